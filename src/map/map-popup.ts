/**
 * What a tapped point on the map screen shows: DOM built with textContent,
 * so server messages are never parsed as HTML. Thumbnails take their place
 * at once, so the popup has its final size when Leaflet pans it into view;
 * the pictures arrive from storage after.
 */
import { distanceMetres } from '../../shared/geo.js';
import { formatDistance } from '../../shared/review-flags.js';
import { getPhoto } from '../core/photos.js';
import type { Stores } from '../core/stores.js';
import { STATUS_TEXT } from '../styles/status.js';
import type { OutboxEntry } from '../core/outbox-index.js';
import { FAR_PHOTO_METRES } from './status-style.js';

export interface PopupActions {
  open: () => void;
  sendNow: () => void;
  fix: () => void;
}

export function mapPopup(
  entry: OutboxEntry | undefined,
  title: string,
  actions: PopupActions,
  stores: Stores,
): HTMLElement {
  const box = document.createElement('div');
  box.className = 'popup';
  if (!entry) {
    box.textContent = 'This submission is no longer on the device.';
    return box;
  }
  const add = (tag: string, text: string, className = '') => {
    const el = document.createElement(tag);
    el.textContent = text;
    if (className) el.className = className;
    box.append(el);
    return el;
  };
  const saved = new Date(entry.createdAt).toLocaleString();
  add('strong', title);
  add('div', `Saved ${saved}`);
  add('div', STATUS_TEXT[entry.status], `status status-${entry.status}`);
  if (entry.status === 'rejected' && entry.rejection)
    add('div', `Refused by the server: ${entry.rejection}`, 'why');
  else if ((entry.status === 'queued' || entry.status === 'waiting') && entry.lastError)
    add('div', `Last try: ${entry.lastError}`);
  for (const far of farPhotos(entry)) add('div', far, 'why');

  const buttons = document.createElement('div');
  buttons.className = 'actions';
  const button = (label: string, onClick: () => void, className = '') => {
    const b = document.createElement('button');
    b.type = 'button';
    b.textContent = label;
    b.setAttribute('aria-label', `${label} ${title} saved ${saved}`);
    if (className) b.className = className;
    b.addEventListener('click', onClick);
    buttons.append(b);
  };
  button('Open', actions.open);
  if (entry.status === 'queued' || entry.status === 'waiting') button('Send now', actions.sendNow, 'primary');
  if (entry.status === 'rejected') button('Fix', actions.fix, 'primary');
  box.append(buttons);
  if (entry.photos.length) void addThumbnails(box, entry, stores);
  return box;
}

/** Sentences about photos taken far from the record's location. */
function farPhotos(entry: OutboxEntry): string[] {
  const loc = entry.location;
  if (!loc) return [];
  return entry.photos.flatMap((p, i) => {
    if (!p.geotag) return [];
    const d = distanceMetres(loc, p.geotag);
    if (d <= FAR_PHOTO_METRES) return [];
    return [`Photo ${i + 1} was taken ${formatDistance(d)} from the record's location.`];
  });
}

async function addThumbnails(box: HTMLElement, entry: OutboxEntry, stores: Stores): Promise<void> {
  const strip = document.createElement('div');
  strip.className = 'thumbs';
  box.insertBefore(strip, box.querySelector('.actions'));
  const imgs = entry.photos.map((_, i) => {
    const img = document.createElement('img');
    img.alt = `Photo ${i + 1} of ${entry.photos.length}`;
    img.width = 64;
    img.height = 64;
    strip.append(img);
    return img;
  });
  for (const [i, ref] of entry.photos.entries()) {
    const img = imgs[i];
    const photo = await getPhoto(ref.sha256, stores).catch(() => undefined);
    if (!img) continue;
    if (!photo) {
      img.alt = `Photo ${i + 1} is no longer on this device`;
      continue;
    }
    const url = URL.createObjectURL(new Blob([photo.thumbnail], { type: 'image/jpeg' }));
    // Once decoded the image no longer needs the URL: nothing to clean up when the popup goes.
    img.addEventListener('load', () => URL.revokeObjectURL(url), { once: true });
    img.addEventListener('error', () => URL.revokeObjectURL(url), { once: true });
    img.src = url;
  }
}
