/**
 * Writes lists/villages.json: 20,000 made-up villages with plausible names in
 * the region of the demo sites, for the "Household visit" demo form. Seeded,
 * so running it again gives the same file byte for byte:
 *
 *   node server/demo-forms/make-villages.mjs
 *
 * One entry per line keeps the file readable and its diffs small; the lists
 * folder is left out of prettier.
 */
import { writeFileSync } from 'node:fs';
import { stdout } from 'node:process';
import { URL, fileURLToPath } from 'node:url';

const COUNT = 20_000;
// The box the demo sites lie in (western Kenya), a little wider.
const LAT = [-0.4, 0.2];
const LON = [34.4, 35.1];

/** mulberry32: small, fast and good enough for made-up data. */
function random(seed) {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

const rand = random(20_000);
const pick = (xs) => xs[Math.floor(rand() * xs.length)];

// Syllables in the style of Luo and Luhya place names.
const STARTS = [
  'Ka',
  'Ko',
  'Nya',
  'Ki',
  'Ma',
  'Mu',
  'E',
  'O',
  'A',
  'Ra',
  'Se',
  'Bu',
  'Lu',
  'Shi',
  'Emu',
  'Ebu',
  'Wa',
  'Kan',
  'Nyam',
  'Ru',
  'Si',
  'Ho',
  'Li',
  'Ndi',
  'Ombe',
  'Dho',
];
const MIDDLES = [
  'bu',
  'nya',
  'ri',
  'mo',
  'la',
  'ko',
  'go',
  'ru',
  'si',
  'ye',
  'ta',
  'mba',
  'nge',
  'wa',
  'ndi',
  'dho',
  'chi',
  'ka',
  'lo',
  'me',
  'tha',
  'ngo',
  'yi',
];
const ENDS = [
  'ng',
  'ro',
  'ni',
  'go',
  'ka',
  'ya',
  'to',
  'le',
  'ma',
  'wa',
  'ti',
  'ra',
  'ndo',
  'mbe',
  'nge',
  'ri',
  'no',
  'sa',
];
const BEFORE = ['Got', 'Wath', 'Kamato', 'Pap', 'Uriri', 'Oboch'];
const AFTER = [
  'A',
  'B',
  'C',
  'Central',
  'East',
  'West',
  'North',
  'South',
  'Upper',
  'Lower',
  'Market',
  'Beach',
];

function word() {
  const middle = rand() < 0.35 ? pick(MIDDLES) + pick(MIDDLES) : pick(MIDDLES);
  return pick(STARTS) + middle + pick(ENDS);
}

function name() {
  const w = word();
  const r = rand();
  if (r < 0.4) return w;
  if (r < 0.55) return `${pick(BEFORE)} ${w}`;
  if (r < 0.85) return `${w} ${pick(AFTER)}`;
  return `${w} ${word()}`;
}

const round5 = (x) => Math.round(x * 1e5) / 1e5;
const labels = new Set();
while (labels.size < COUNT) labels.add(name());
// Alphabetical, as a list without a known position is shown; compared by code point so every
// Node version sorts alike.
const sorted = [...labels].sort((a, b) => (a < b ? -1 : a > b ? 1 : 0));
const entries = sorted.map((label, i) => ({
  value: `vlg_${String(i + 1).padStart(5, '0')}`,
  label,
  lat: round5(LAT[0] + rand() * (LAT[1] - LAT[0])),
  lon: round5(LON[0] + rand() * (LON[1] - LON[0])),
}));

const out = fileURLToPath(new URL('./lists/villages.json', import.meta.url));
writeFileSync(out, `[\n${entries.map((e) => `  ${JSON.stringify(e)}`).join(',\n')}\n]\n`);
stdout.write(`${out}: ${entries.length} villages\n`);
