import { css, unsafeCSS } from 'lit';
import type { ReviewState } from '../../shared/review.js';

/** Each review state's colour: the chips' text, and the review map's points. */
export const REVIEW_STATE_COLOR: Record<ReviewState, string> = {
  received: '#0b5394',
  approved: '#1d6b2f',
  has_issues: '#8a4b00',
  rejected: '#b00020',
};

const color = (state: ReviewState) => unsafeCSS(REVIEW_STATE_COLOR[state]);

/** The colour and shape of each review state, on statusStyles' chip: class="status state-…". */
export const reviewStateStyles = css`
  .state-received {
    color: ${color('received')};
  }
  .state-received::before {
    content: '•';
  }
  .state-approved {
    color: ${color('approved')};
  }
  .state-approved::before {
    content: '✓';
  }
  .state-has_issues {
    color: ${color('has_issues')};
  }
  .state-has_issues::before {
    content: '!';
  }
  .state-rejected {
    color: ${color('rejected')};
  }
  .state-rejected::before {
    content: '✕';
  }
`;
