/** The messages between the page and the choice-list worker (src/reference/list-worker.ts). */
import type { Choice } from '../../shared/forms.js';
import { nextTask } from '../core/next-task.js';

export interface ListRequest {
  /** A stored list's JSON text. */
  text: string;
}

/**
 * A parsed list in columns. The page receives two arrays of strings and two
 * of numbers far faster than 20,000 objects, which a phone rebuilds one by
 * one from the message. NaN: the choice has no such coordinate.
 */
export interface PackedChoices {
  values: string[];
  labels: string[];
  lat: Float64Array;
  lon: Float64Array;
}

export interface ListReply {
  /** null: the text is not a choice list. */
  packed: PackedChoices | null;
}

const coordinate = (n: unknown) => (typeof n === 'number' ? n : NaN);

export function pack(choices: Choice[]): PackedChoices {
  return {
    values: choices.map((c) => c.value),
    labels: choices.map((c) => c.label),
    lat: Float64Array.from(choices, (c) => coordinate(c.lat)),
    lon: Float64Array.from(choices, (c) => coordinate(c.lon)),
  };
}

/**
 * Choices rebuilt per task: 20,000 objects at once, and the collection they
 * cause, make one long task on a cheap phone.
 */
export const UNPACK_CHUNK = 4000;

/** The choices again, each with the coordinates it had, rebuilt `chunk` per task. */
export async function unpack(
  { values, labels, lat, lon }: PackedChoices,
  chunk = UNPACK_CHUNK,
): Promise<Choice[]> {
  const choices = new Array<Choice>(values.length);
  for (let start = 0; start < values.length; start += chunk) {
    if (start > 0) await nextTask();
    const end = Math.min(values.length, start + chunk);
    for (let i = start; i < end; i++) {
      const c: Choice = { value: values[i] as string, label: labels[i] as string };
      const la = lat[i] as number;
      const lo = lon[i] as number;
      if (!Number.isNaN(la)) c.lat = la;
      if (!Number.isNaN(lo)) c.lon = lo;
      choices[i] = c;
    }
  }
  return choices;
}
