/**
 * Everything enrolling this browser involves on the page: redeeming the code
 * (which records the device and ends the "not enrolled" state), then
 * downloading the forms the device may now use. Sending what waits is the
 * sync engine's, once told (the `fs-enrolled` event).
 */
import type { FormDef } from '../../shared/forms.js';
import { enroll, type EnrollOutcome } from '../core/enrollment.js';
import { startableForms } from '../core/form-versions.js';
import { refreshReference } from '../core/reference.js';
import type { Stores } from '../core/stores.js';

export interface EnrolledBrowser {
  outcome: EnrollOutcome;
  /** The forms the device may use, as downloaded; null when they could not be (kept for later). */
  forms: FormDef[] | null;
  /** Why the forms could not be downloaded, if they could not. */
  formsProblem: string | null;
}

export async function enrollBrowser(code: string, stores: Stores): Promise<EnrolledBrowser> {
  const outcome = await enroll(code, { stores });
  if (outcome.kind !== 'enrolled') return { outcome, forms: null, formsProblem: null };
  // The server now shows this device its own forms: what was stored before may be another device's.
  const { attempt, reference } = await refreshReference({}, stores);
  const ok = attempt.outcome !== 'failed' && reference;
  return {
    outcome,
    forms: ok ? startableForms(reference.data) : null,
    formsProblem: ok ? null : attempt.message,
  };
}
