import { css } from 'lit';

/** The map screen's own look: its map, legend, filters, lists and popups, beside controlStyles. */
export const mapScreenStyles = css`
  h1 {
    margin: 0 0 0.5rem;
    font-size: 1.5rem;
  }
  .layout {
    display: grid;
    gap: 0.75rem;
  }
  @media (min-width: 48rem) {
    .layout {
      grid-template-columns: minmax(0, 2fr) minmax(14rem, 1fr);
    }
  }
  .map {
    height: 60vh;
    min-height: 18rem;
    border: 1px solid var(--_border);
    border-radius: 0.5rem;
    /* The plain background stands in for a base map. */
    background: #eef1ee;
  }
  .note {
    margin: 0.25rem 0 0;
    color: var(--_muted);
    font-size: 0.95rem;
  }
  fieldset {
    margin: 0 0 0.75rem;
    padding: 0.5rem 0.75rem;
    border: 1px solid var(--_border);
    border-radius: 0.5rem;
    background: #fff;
  }
  legend {
    font-weight: 700;
  }
  label.row {
    display: flex;
    align-items: center;
    gap: 0.5rem;
    min-height: var(--_target);
  }
  label.row input {
    flex: none;
    width: 1.25rem;
    height: 1.25rem;
  }
  /* Leaflet's controls are sized for a mouse; fingers need 44 px. */
  .map .leaflet-bar a {
    width: var(--_target);
    height: var(--_target);
    line-height: var(--_target);
  }
  .map a.leaflet-popup-close-button {
    width: var(--_target);
    height: var(--_target);
    font: 24px/44px sans-serif;
  }
  .count {
    margin-left: auto;
    font-variant-numeric: tabular-nums;
  }
  svg {
    flex: none;
  }
  ul {
    list-style: none;
    margin: 0;
    padding: 0;
    display: grid;
    gap: 0.35rem;
  }
  li {
    display: flex;
    flex-wrap: wrap;
    align-items: baseline;
    gap: 0.25rem 0.5rem;
    padding: 0.4rem 0.5rem;
    border: 1px solid var(--_border);
    border-radius: 0.5rem;
    background: #fff;
  }
  li .title {
    font-weight: 600;
    margin-right: auto;
  }
  li time {
    color: var(--_muted);
  }
  h2 {
    font-size: 1.1rem;
    margin: 0.75rem 0 0.35rem;
  }
  .why {
    color: var(--_danger);
  }
  label.stack {
    display: grid;
    gap: 0.25rem;
    margin-bottom: 0.25rem;
  }
  .popup > strong {
    display: block;
    /* Clear of the close button. */
    margin-right: 1.75rem;
  }
  .popup .thumbs {
    display: flex;
    flex-wrap: wrap;
    gap: 0.25rem;
    margin-top: 0.35rem;
  }
  .popup .thumbs img {
    object-fit: cover;
    border-radius: 0.25rem;
  }
  .note:empty {
    display: none;
  }
`;
