import { css } from 'lit';

/** The colour and shape of each review state, on statusStyles' chip: class="status state-…". */
export const reviewStateStyles = css`
  .state-received {
    color: #0b5394;
  }
  .state-received::before {
    content: '•';
  }
  .state-approved {
    color: #1d6b2f;
  }
  .state-approved::before {
    content: '✓';
  }
  .state-has_issues {
    color: #8a4b00;
  }
  .state-has_issues::before {
    content: '!';
  }
  .state-rejected {
    color: #b00020;
  }
  .state-rejected::before {
    content: '✕';
  }
`;
