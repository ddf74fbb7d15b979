import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { canonicalJson } from '../../shared/canonical.js';

type Json = null | boolean | number | string | Json[] | { [key: string]: Json };

/** What canonicalJson has always meant: a JSON round trip, then keys sorted at every level. */
function definition(value: unknown): string {
  const sortKeys = (v: Json): Json => {
    if (Array.isArray(v)) return v.map(sortKeys);
    if (v !== null && typeof v === 'object')
      return Object.fromEntries(
        Object.keys(v)
          .sort()
          .map((k) => [k, sortKeys(v[k] as Json)]),
      );
    return v;
  };
  return JSON.stringify(sortKeys(JSON.parse(JSON.stringify(value)) as Json));
}

describe('canonicalJson', () => {
  it('gives the text it always gave, whatever the value holds', () => {
    class Point {
      constructor(
        readonly y: number,
        readonly x: number,
      ) {}
    }
    const values: unknown[] = [
      { b: 1, a: [3, { d: null, c: 'x' }], '10': true, '9': false, '': 0 },
      JSON.parse('{"__proto__": {"z": 1, "y": 2}, "a": 1}'),
      { skipped: undefined, fn: () => 1, kept: [undefined, () => 1, Symbol('s')] },
      { when: new Date(0), boxed: [new Number(-0), new String('s'), new Boolean(false)] },
      { odd: [NaN, Infinity, -0, 1e21, 1.5e-7], text: '"\u2028\\\n' },
      { map: new Map([[1, 2]]), bytes: new Uint8Array([3, 1, 2, 4, 5, 6, 7, 8, 9, 10, 11]) },
      { point: new Point(2, 1), custom: { toJSON: () => ({ q: 1, p: [2] }) } },
      [],
      'plain',
      null,
    ];
    for (const value of values) assert.equal(canonicalJson(value), definition(value));
  });
});
