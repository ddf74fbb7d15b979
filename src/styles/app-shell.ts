import { css } from 'lit';

/** The app shell's look: header and navigation, status bars, the screen area. */
export const appShellStyles = css`
  :host {
    display: flex;
    flex-direction: column;
    min-height: 100vh;
    min-height: 100dvh;
    color: var(--fs-fg);
    background: var(--fs-bg);
  }
  .status {
    padding: 0.5rem 0.75rem;
    background: var(--fs-warn-bg);
    color: var(--fs-warn-fg);
    font-size: 0.95rem;
  }
  .update {
    display: flex;
    flex-wrap: wrap;
    align-items: center;
    gap: 0.5rem 1rem;
  }
  .update button {
    min-height: 44px;
    padding: 0 1rem;
    font: inherit;
    font-weight: 700;
    border: 2px solid var(--fs-warn-fg);
    border-radius: 0.5rem;
    background: #fff;
    color: var(--fs-warn-fg);
  }
  .freshness {
    display: flex;
    flex-wrap: wrap;
    align-items: center;
    gap: 0.25rem 1rem;
    margin: 0;
    padding: 0.25rem 0.75rem;
    font-size: 0.95rem;
  }
  /*
   * Two lines kept for the words whatever they say ("not downloaded yet",
   * then the date of the first refresh): on a phone, the screen below does
   * not move when they change.
   */
  .freshness span {
    min-height: 2lh;
  }
  @media (min-width: 40rem) {
    .freshness span {
      min-height: 0;
    }
  }
  .freshness button {
    min-height: 44px;
    padding: 0 1rem;
    font: inherit;
    font-weight: 600;
    border: 2px solid currentColor;
    border-radius: 0.5rem;
    background: #fff;
    color: inherit;
  }
  main {
    flex: 1;
    width: 100%;
    max-width: 56rem;
    margin: 0 auto;
    padding: 0.75rem;
    box-sizing: border-box;
    outline: none;
  }
  /* A supervisor's desktop: the list and the submission side by side. */
  main.wide {
    max-width: 110rem;
  }
`;
