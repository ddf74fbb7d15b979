import type { BaseMapConfig } from './base-map.js';

/**
 * The form definition format, shared by the page, the service worker and the
 * server. docs/forms.md documents it for form authors.
 */

export type FieldType =
  'text' | 'integer' | 'decimal' | 'date' | 'select_one' | 'select_multiple' | 'geopoint' | 'photo' | 'note';

export const FIELD_TYPES: readonly FieldType[] = [
  'text',
  'integer',
  'decimal',
  'date',
  'select_one',
  'select_multiple',
  'geopoint',
  'photo',
  'note',
];

/** A constraint value with the message shown when it is broken. */
export interface Rule<T> {
  value: T;
  message?: string;
}

export interface Choice {
  value: string;
  label: string;
  /** Optional coordinates, e.g. for a list of sites. */
  lat?: number;
  lon?: number;
}

export interface FieldDef {
  /** Key of the answer: lower case letters, digits and underscores. */
  name: string;
  type: FieldType;
  /** The visible label; for a note, the text shown. */
  label: string;
  hint?: string;
  required?: boolean | { message: string };
  /**
   * integer, decimal: smallest value. date: earliest 'YYYY-MM-DD'.
   * photo, select_multiple: fewest items.
   */
  min?: Rule<number | string>;
  /** Counterpart of min. */
  max?: Rule<number | string>;
  /** text: longest length in characters. */
  maxLength?: Rule<number>;
  /** text: a regular expression the whole answer must match. */
  pattern?: Rule<string>;
  /** select_one, select_multiple: choices inline... */
  choices?: Choice[];
  /** ...or the name of a choice list in the reference data. */
  choiceList?: string;
  /** decimal, integer: unit shown beside the input, e.g. 'L/min'. */
  unit?: string;
  /** geopoint: a fix less accurate than this (metres) asks the user. Default 50. */
  accuracyThreshold?: number;
}

export interface FormDef {
  /** Stable id across versions: lower case letters, digits, '-' and '_'. */
  id: string;
  version: number;
  title: string;
  description?: string;
  fields: FieldDef[];
  /**
   * Set by the server on a version no longer in its forms directory: drafts
   * and queued submissions on it still open, save and send, but it cannot
   * be started. Never written in a form file.
   */
  withdrawn?: boolean;
  /**
   * What a kiosk does with a form someone left half-filled when its idle
   * time runs out: "discard" it (the default), or "save" what was answered
   * as an unfinished submission, which the server flags for the reviewer.
   */
  whenAbandoned?: 'discard' | 'save';
}

/** What GET /api/reference returns. */
export interface ReferenceData {
  forms: FormDef[];
  lists: Record<string, Choice[]>;
  /** After this many hours without a successful refresh the app warns that its copy may be out of date. */
  staleAfterHours?: number;
  /** The deployment's tile server; absent or null when none is configured (points on a plain grid). */
  baseMap?: BaseMapConfig | null;
}

export const DEFAULT_ACCURACY_THRESHOLD_M = 50;
