/**
 * Answers as a reviewer reads them: choice labels rather than codes (the
 * code beside a label, so that exports and the screen can be matched),
 * numbers with their unit, positions in degrees with their accuracy.
 */
import type { Choice, FieldDef, FormDef, ReferenceData } from '../../shared/forms.js';
import type { AnswerValue, GeoPoint } from '../../shared/submission.js';

/** The form version a submission was captured on, if this browser holds it. */
export function formOf(
  reference: ReferenceData | null,
  formId: string,
  version: number,
): FormDef | undefined {
  return reference?.forms.find((f) => f.id === formId && f.version === version);
}

function choicesOf(field: FieldDef, reference: ReferenceData | null): Choice[] {
  return field.choices ?? (field.choiceList ? (reference?.lists[field.choiceList] ?? []) : []);
}

export function placeText(p: GeoPoint): string {
  return `${p.lat.toFixed(5)}, ${p.lon.toFixed(5)} (±${Math.round(p.accuracy)} m)`;
}

/** An answer in words; photos as a count (the detail shows them). */
export function answerText(field: FieldDef, value: AnswerValue, reference: ReferenceData | null): string {
  const label = (code: string): string => {
    const found = choicesOf(field, reference).find((c) => c.value === code)?.label;
    return found && found !== code ? `${found} (${code})` : code;
  };
  if (field.type === 'select_one' && typeof value === 'string') return label(value);
  if (field.type === 'select_multiple' && Array.isArray(value)) return value.map(label).join(', ');
  if (field.type === 'photo' && Array.isArray(value))
    return value.length === 1 ? '1 photo' : `${value.length} photos`;
  if (typeof value === 'number') return field.unit ? `${value} ${field.unit}` : String(value);
  if (typeof value === 'object' && !Array.isArray(value)) return placeText(value);
  return Array.isArray(value) ? value.join(', ') : value;
}

/** The fields a table row shows: the first few that read well in a line. */
export function keyFields(form: FormDef | undefined, count = 3): FieldDef[] {
  return (form?.fields ?? [])
    .filter((f) => f.type !== 'note' && f.type !== 'photo' && f.type !== 'geopoint')
    .slice(0, count);
}
