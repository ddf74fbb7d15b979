import { css } from 'lit';
import type { SubmissionStatus } from '../../shared/outbox.js';

/** The word on each status chip, in the outbox and on the map. */
export const STATUS_TEXT: Record<SubmissionStatus, string> = {
  queued: 'Queued',
  sending: 'Sending',
  sent: 'Sent',
  rejected: 'Rejected',
  waiting: 'Waiting',
};

/** Status chips: a word and a shape as well as a colour, so colour is never the only cue. */
export const statusStyles = css`
  .status {
    display: inline-flex;
    align-items: center;
    gap: 0.3em;
    padding: 0.15em 0.6em;
    border-radius: 1em;
    font-weight: 700;
    font-size: 0.9rem;
    border: 2px solid currentColor;
  }
  .status::before {
    font-size: 0.9em;
  }
  .status-queued {
    color: #8a4b00;
  }
  .status-queued::before {
    content: '◷';
  }
  .status-sending {
    color: #0b5394;
  }
  .status-sending::before {
    content: '↑';
  }
  .status-waiting {
    color: #6b3fa0;
  }
  .status-waiting::before {
    content: '⏸';
  }
  .status-rejected {
    color: #b00020;
  }
  .status-rejected::before {
    content: '✕';
  }
  .status-sent {
    color: #1b6e20;
  }
  .status-sent::before {
    content: '✓';
  }
`;
