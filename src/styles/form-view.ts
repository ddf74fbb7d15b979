import { css } from 'lit';

/** The form screen's own look (a kiosk's larger text and targets included), beside controlStyles. */
export const formViewStyles = css`
  :host {
    max-width: 48rem;
    margin: 0 auto;
  }
  /* Read from a metre away, tapped standing: larger text and 48 px targets, down into each question. */
  :host([kiosk]) {
    --_target: 48px;
    font-size: 1.2rem;
  }
  :host([kiosk]) :is(fs-field, fs-photo-field, fs-location-field) {
    --_target: 48px;
    font-size: 1.15rem;
  }
  h1 {
    margin: 0.5rem 0 0.25rem;
    font-size: 1.5rem;
    line-height: 1.2;
  }
  .description,
  .meta {
    margin: 0 0 0.5rem;
  }
  .meta {
    color: var(--_muted);
  }
  /* Where the back link comes: the form then appears below it without moving the screen. */
  .loading {
    display: flex;
    align-items: center;
    min-height: var(--_target);
    margin: 0;
  }
  .back {
    display: inline-flex;
    align-items: center;
    min-height: var(--_target);
    color: var(--_brand);
    font-weight: 700;
  }
  .fields {
    display: grid;
    gap: 1.25rem;
    margin: 1rem 0;
  }
  .q {
    padding-bottom: 1.25rem;
    border-bottom: 1px solid var(--_border);
  }
  .outcome .banner {
    margin: 0.5rem 0;
    font-weight: 700;
  }
  .actions button[type='submit'] {
    flex: 1 1 12rem;
  }
  .autosave {
    color: var(--_muted);
    font-size: 0.95rem;
  }
  .problem {
    color: var(--_danger);
    font-weight: 700;
  }
  .banner h2 {
    margin: 0 0 0.25rem;
    font-size: 1.15rem;
  }
  .banner p {
    margin: 0.25rem 0;
  }
  .kept {
    display: grid;
    grid-template-columns: max-content 1fr;
    gap: 0.25rem 1rem;
  }
  .kept dt {
    font-weight: 700;
  }
  .kept dd {
    margin: 0;
    overflow-wrap: anywhere;
  }
`;
