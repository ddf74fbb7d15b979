import { css } from 'lit';
import { visuallyHiddenStyles } from './visually-hidden.js';

/**
 * Labels, inputs, buttons, hints and messages of the form screens.
 * Colours come from the page's design tokens (src/app.css); the fallbacks keep
 * an element readable when it is used on its own, as in tests. Every control
 * is at least 44 px tall so that a gloved thumb can hit it.
 */
export const controlStyles = css`
  ${visuallyHiddenStyles}
  :host {
    --_fg: var(--fs-fg, #1a1a1a);
    --_bg: var(--fs-bg, #f4f6f6);
    --_surface: #fff;
    --_muted: var(--fs-muted, #4a5557);
    --_border: var(--fs-border, #c4cccd);
    --_brand: var(--fs-brand, #0b5c63);
    --_danger: var(--fs-danger, #b00020);
    --_focus: var(--fs-focus, #f2a900);
    --_warn-bg: var(--fs-warn-bg, #fff4d6);
    --_warn-fg: var(--fs-warn-fg, #5c3d00);
    --_target: 44px;
    display: block;
    color: var(--_fg);
    font-family:
      system-ui,
      -apple-system,
      'Segoe UI',
      Roboto,
      sans-serif;
    line-height: 1.45;
  }
  *,
  *::before,
  *::after {
    box-sizing: border-box;
  }
  [hidden] {
    display: none !important;
  }
  .label,
  legend {
    display: block;
    padding: 0;
    margin: 0 0 0.25rem;
    font-weight: 700;
    font-size: 1.05rem;
  }
  .req {
    color: var(--_danger);
    margin-left: 0.2em;
  }
  .hint {
    margin: 0 0 0.35rem;
    color: var(--_muted);
  }
  .message {
    margin: 0 0 0.35rem;
    color: var(--_danger);
    font-weight: 700;
  }
  .message:empty {
    display: none;
  }
  fieldset {
    border: 0;
    margin: 0;
    padding: 0;
    min-width: 0;
  }
  input[type='text'],
  input[type='password'],
  input[type='search'],
  input[type='date'],
  select,
  textarea {
    display: block;
    width: 100%;
    min-height: var(--_target);
    padding: 0.5rem 0.6rem;
    border: 2px solid var(--_fg);
    border-radius: 0.35rem;
    background: var(--_surface);
    color: var(--_fg);
    font: inherit;
  }
  textarea {
    resize: vertical;
  }
  [aria-invalid='true'] {
    border-color: var(--_danger);
    box-shadow: inset 4px 0 0 var(--_danger);
  }
  /* A group has no padding of its own: the bar needs room, or it covers the first letters. */
  fieldset[aria-invalid='true'],
  [role='radiogroup'][aria-invalid='true'] {
    padding-left: calc(4px + 0.6rem);
  }
  button,
  .button {
    display: inline-flex;
    align-items: center;
    justify-content: center;
    gap: 0.4em;
    min-height: var(--_target);
    min-width: var(--_target);
    padding: 0.4rem 1rem;
    border: 2px solid var(--_brand);
    border-radius: 0.5rem;
    background: var(--_surface);
    color: var(--_brand);
    font: inherit;
    font-weight: 700;
    text-decoration: none;
    cursor: pointer;
  }
  button.primary,
  .button.primary {
    background: var(--_brand);
    color: #fff;
  }
  button.danger {
    border-color: var(--_danger);
    color: var(--_danger);
  }
  button.danger.primary {
    background: var(--_danger);
    color: #fff;
  }
  button:disabled {
    opacity: 0.55;
    cursor: not-allowed;
  }
  :focus-visible {
    outline: 3px solid var(--_fg);
    outline-offset: 2px;
    box-shadow: 0 0 0 2px var(--_focus);
  }
  .actions {
    display: flex;
    flex-wrap: wrap;
    gap: 0.5rem;
    margin-top: 0.5rem;
  }
  .banner {
    padding: 0.75rem;
    margin: 0 0 1rem;
    border: 2px solid var(--_warn-fg);
    border-left-width: 8px;
    border-radius: 0.35rem;
    background: var(--_warn-bg);
    color: var(--_warn-fg);
  }
  .banner.error {
    border-color: var(--_danger);
    background: #fdecee;
    color: var(--_danger);
  }
  dialog {
    max-width: min(30rem, calc(100vw - 2rem));
    padding: 1rem;
    border: 2px solid var(--_fg);
    border-radius: 0.5rem;
    color: var(--_fg);
  }
  dialog::backdrop {
    background: rgb(0 0 0 / 0.5);
  }
  dialog h2 {
    margin: 0 0 0.5rem;
    font-size: 1.2rem;
  }
  @media (forced-colors: active) {
    button.primary,
    .button.primary {
      border-color: ButtonText;
    }
    [aria-invalid='true'] {
      border-style: dashed;
    }
  }
`;
