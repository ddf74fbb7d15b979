/**
 * What the form screen says around a form: why it cannot be shown, that a
 * newer version exists, the server's refusal of a submission to correct, a
 * reviewer's request, and the answers kept of a draft whose version is gone.
 */
import { html, nothing, type TemplateResult } from 'lit';
import type { FormDef, ReferenceData } from '../../shared/forms.js';
import type { Draft } from '../../shared/outbox.js';
import type { Answers, ApiError } from '../../shared/submission.js';
import { isEmpty, isGeoPoint } from '../../shared/validate.js';
import type { Feedback } from '../core/feedback.js';
import { startableVersion } from '../core/form-versions.js';

function describeAnswer(v: Answers[string]): string {
  if (isGeoPoint(v)) return `${v.lat.toFixed(5)}, ${v.lon.toFixed(5)} (±${Math.round(v.accuracy)} m)`;
  if (Array.isArray(v)) return v.join(', ');
  return String(v);
}

export function troubleNotice(
  trouble: 'no-form' | 'no-draft' | 'withdrawn',
  formId: string,
  reference: ReferenceData | null,
): TemplateResult {
  const title = reference?.forms.find((f) => f.id === formId)?.title ?? formId;
  return html`<div class="banner error" role="alert">
    ${
      trouble === 'no-form'
        ? html`<p>There is no form “${formId}” on this device.</p>`
        : trouble === 'withdrawn'
          ? html`<p>
              The form “${title}” was withdrawn, so it can no longer be started. Unfinished ones already on
              this device can still be finished and sent.
            </p>`
          : html`<p>This unfinished form is no longer on this device: it was saved or discarded.</p>`
    }
  </div>`;
}

/** Why this draft's version is not the one a new form would get; nothing when it is. */
export function versionNotice(
  form: FormDef,
  reference: ReferenceData | null,
): TemplateResult | typeof nothing {
  const newest = startableVersion(reference, form.id);
  const newer = newest && newest.version > form.version ? newest : undefined;
  if (!newer && !form.withdrawn) return nothing;
  return html`<p class="banner version-notice" role="note">
    ${
      newer
        ? `A newer version of this form (version ${newer.version}) exists. This one stays on version ${form.version}, the version it was started on, so its answers keep their meaning; forms you start from now on use version ${newer.version}.`
        : `Version ${form.version} of this form was withdrawn: no new ones can be started, but this one can still be finished, saved and sent.`
    }
  </p>`;
}

/** A draft started on a version no longer on the device: its answers, kept, as text. */
export function keptAnswers(draft: Draft, reference: ReferenceData | null): TemplateResult {
  const title = reference?.forms.find((f) => f.id === draft.formId)?.title ?? draft.formId;
  const entries = Object.entries(draft.answers).filter(([, v]) => !isEmpty(v));
  return html`<h1>${title}</h1>
    <div class="banner error" role="alert">
      <p>
        This draft was started on version ${draft.formVersion} of “${title}”, which is no longer on this
        device, so it cannot be shown or saved. Its answers are kept: connect to the network to update the
        forms, or ask your coordinator.
      </p>
    </div>
    ${
      entries.length
        ? html`<h2>Answers kept</h2>
            <dl class="kept">
              ${entries.map(
                ([k, v]) =>
                  html`<dt>${k}</dt>
                    <dd>${describeAnswer(v)}</dd>`,
              )}
            </dl>`
        : nothing
    }`;
}

/** The server refused the submission this draft corrects: what it said, field by field. */
export function correctionNotice(rejection: ApiError | null, others: [string, string][]): TemplateResult {
  return html`<section class="banner" aria-labelledby="correction-title">
    <h2 id="correction-title">Correct this submission</h2>
    <p>
      ${rejection ? html`The server refused it: ${rejection.message}` : 'The server refused this submission.'}
    </p>
    ${
      others.length
        ? html`<ul>
            ${others.map(([field, message]) => html`<li>${field}: ${message}</li>`)}
          </ul>`
        : nothing
    }
    <p>Fix the answers marked below, then save again.</p>
  </section>`;
}

/** A reviewer returned the submission this draft corrects: what they asked. */
export function returnedNotice(returned: Feedback | null): TemplateResult {
  return html`<section class="banner" aria-labelledby="returned-title">
    <h2 id="returned-title">Correct a returned submission</h2>
    <p>${returned?.comment ? html`${returned.by} asks: ${returned.comment}` : 'A reviewer returned it.'}</p>
    <p>Saving sends your correction as a new submission, linked to the one returned.</p>
  </section>`;
}
