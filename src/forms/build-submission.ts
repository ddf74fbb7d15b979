/**
 * The submission a filled-in form becomes: its answers as the form defines
 * them (empty ones dropped), a reference per photo answered, the location
 * the server insists on, and who and what captured it. The device's
 * lookups come in as arguments, so the same building serves the field app
 * and the kiosk, and a test.
 */
import type { FormDef } from '../../shared/forms.js';
import type { Draft, StoredPhoto } from '../../shared/outbox.js';
import type { Answers, PhotoRef, SubmissionPayload } from '../../shared/submission.js';
import { isEmpty, isGeoPoint } from '../../shared/validate.js';
import { MissingPhotoError } from '../core/submissions.js';

export interface CaptureContext {
  /** The stored photo with this hash, if the device still has it. */
  photo(sha256: string): Promise<StoredPhoto | undefined>;
  deviceId: string;
  /** The ETag of the reference data the form came from; null when unknown. */
  referenceVersion: string | null;
  appVersion: string;
  now: Date;
}

/** The answers to the form's own fields, without the empty ones. */
export function submittedAnswers(form: FormDef, answers: Answers): Answers {
  const out: Answers = {};
  for (const f of form.fields) {
    const v = answers[f.name];
    if (v !== undefined && !isEmpty(v)) out[f.name] = v;
  }
  return out;
}

/**
 * The payload to queue. Throws MissingPhotoError, naming them, when a photo
 * answered is no longer on the device: nothing is queued without its photos.
 */
export async function buildSubmission(
  form: FormDef,
  draft: Pick<Draft, 'id' | 'correctionOf'>,
  answered: Answers,
  ctx: CaptureContext,
): Promise<SubmissionPayload> {
  const answers = submittedAnswers(form, answered);
  const photos: PhotoRef[] = [];
  const missing: string[] = [];
  for (const f of form.fields) {
    const v = answers[f.name];
    if (f.type !== 'photo' || !Array.isArray(v)) continue;
    for (const sha256 of v) {
      const p = await ctx.photo(sha256);
      if (!p) {
        missing.push(sha256);
        continue;
      }
      photos.push({
        sha256,
        bytes: p.data.byteLength,
        type: p.type,
        width: p.width,
        height: p.height,
        field: f.name,
        geotag: p.geotag,
      });
    }
  }
  if (missing.length) throw new MissingPhotoError(missing);
  // The server insists on the first location question's answer, answered or not.
  const firstPoint = form.fields.find((f) => f.type === 'geopoint');
  const location = firstPoint ? answers[firstPoint.name] : undefined;
  return {
    id: draft.id,
    formId: form.id,
    formVersion: form.version,
    answers,
    location: isGeoPoint(location) ? location : null,
    photos,
    createdAt: ctx.now.toISOString(),
    deviceId: ctx.deviceId,
    referenceVersion: ctx.referenceVersion,
    appVersion: ctx.appVersion,
    ...(draft.correctionOf ? { correctionOf: draft.correctionOf } : {}),
  };
}
