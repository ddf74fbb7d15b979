import { css } from 'lit';

/**
 * What the account screens (enrolling, setting up, signing in, devices)
 * share: their headings, a form's column of fields, and the result a screen
 * moves focus to without drawing a ring around a paragraph.
 */
export const accountScreenStyles = css`
  h1 {
    font-size: 1.5rem;
    margin: 0 0 0.75rem;
  }
  h2 {
    font-size: 1.2rem;
    margin: 1.25rem 0 0.5rem;
  }
  form {
    display: grid;
    gap: 1rem;
    max-width: 32rem;
  }
  .result:focus,
  .device:focus {
    outline: none;
  }
`;
