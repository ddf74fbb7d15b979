import { css } from 'lit';

/** Review state chips: a word and a shape as well as a colour, so colour is never the only cue. */
export const reviewStateStyles = css`
  .state {
    display: inline-flex;
    align-items: center;
    gap: 0.3em;
    padding: 0.1em 0.55em;
    border-radius: 1em;
    font-weight: 700;
    font-size: 0.9rem;
    border: 2px solid currentColor;
    white-space: nowrap;
  }
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
