// The one place that says which Chromium the tests drive and how: Debian's
// build (test tools cannot download their own browsers here), without the
// background networking this closed network refuses.
import { existsSync } from 'node:fs';

export const CHROMIUM_ARGS = [
  '--no-sandbox',
  '--disable-gpu',
  '--disable-background-networking',
  '--disable-component-update',
  '--disable-sync',
];

/** @returns {string} */
export function chromePath() {
  const path = process.env.CHROME_PATH || '/usr/bin/chromium';
  if (!existsSync(path)) {
    throw new Error(
      `No Chromium at ${path}: install it (apt-get install -y chromium) or set CHROME_PATH to a Chromium executable.`,
    );
  }
  return path;
}
