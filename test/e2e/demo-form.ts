/** Filling the demo form "Water point inspection" as a person would, by labels and roles. */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import type { Page } from 'playwright-core';
import type { Choice } from '../../shared/forms.js';
import { root } from './harness.js';

export const sites = JSON.parse(
  readFileSync(join(root, 'server/demo-forms/lists/sites.json'), 'utf8'),
) as Choice[];

export interface DemoAnswers {
  site?: string;
  condition?: string;
  peopleServed?: string;
  photos: { name: string; mimeType: string; buffer: Buffer }[];
}

export async function fillDemoForm(page: Page, a: DemoAnswers): Promise<void> {
  const site = a.site ?? sites[0]!.label;
  await page.getByLabel('Search the list').fill(site);
  await page.getByRole('radio', { name: site }).check();
  await page.getByRole('radio', { name: a.condition ?? 'Working' }).check();
  await page.getByLabel('People served').fill(a.peopleServed ?? '120');
  await page.getByRole('button', { name: 'Record location' }).click();
  await page.getByRole('button', { name: 'Record again' }).waitFor();
  if (a.photos.length) {
    await page.getByLabel('Take or choose photos').setInputFiles(a.photos);
    await page.getByRole('button', { name: `Remove photo ${a.photos.length}` }).waitFor();
  }
}
