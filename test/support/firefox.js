// The one place that says which Firefox the tests drive and how: Debian's
// Firefox ESR (test tools cannot download their own browsers here), headless,
// over WebDriver BiDi with puppeteer-core, without the background networking
// this closed network refuses.
import { existsSync } from 'node:fs';
import puppeteer from 'puppeteer-core';

/**
 * Preferences on top of puppeteer's test profile (which already turns off
 * updates, telemetry, safe browsing and automatic offline switching).
 */
export const FIREFOX_PREFS = {
  // Service workers are on by default; stated because the app cannot work offline without one.
  'dom.serviceWorkers.enabled': true,
  // Probes of detectportal.firefox.com would fail here and could flip the browser's network state.
  'network.captive-portal-service.enabled': false,
  'network.connectivity-service.enabled': false,
};

/** @returns {string} */
export function firefoxPath() {
  const path = process.env.FIREFOX_PATH || '/usr/bin/firefox-esr';
  if (!existsSync(path)) {
    throw new Error(
      `No Firefox at ${path}: install it (apt-get install -y firefox-esr) or set FIREFOX_PATH to a Firefox executable.`,
    );
  }
  return path;
}

/**
 * Headless Firefox in a fresh profile: puppeteer makes a new temporary
 * profile directory for each launch and deletes it on close.
 *
 * @returns {Promise<import('puppeteer-core').Browser>}
 */
export function launchFirefox() {
  return puppeteer.launch({
    browser: 'firefox',
    executablePath: firefoxPath(),
    headless: true,
    extraPrefsFirefox: FIREFOX_PREFS,
  });
}
