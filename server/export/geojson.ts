/**
 * The filtered submissions as an RFC 7946 FeatureCollection: one Feature
 * each, a Point at [longitude, latitude] of its location (geometry null
 * without one), no crs member (RFC 7946 coordinates are WGS 84). Written a
 * page at a time.
 */
import type { FormDef } from '../../shared/forms.js';
import type { CurrentReference } from '../current-reference.js';
import type { Repository } from '../storage/repository.js';
import type { ReviewQuery } from '../storage/review-listing.js';
import { AnswerLabels, ExportForms, photoNames, type PhotoName } from './answers.js';
import { snapshotSeq, walkPages, type ExportItem } from './walk.js';

export interface GeoJsonSources {
  repo: Repository;
  reference: CurrentReference;
  pageSize: number;
}

export interface GeoJsonExport {
  forms: ExportForms;
  labels: AnswerLabels;
  photoName: PhotoName;
  pages: AsyncIterable<ExportItem[]>;
}

/** Plans the export (its snapshot); anything that may refuse the request happens here. */
export async function planGeoJson(
  src: GeoJsonSources,
  query: ReviewQuery,
  photoName: PhotoName,
): Promise<GeoJsonExport> {
  const snapshot = await snapshotSeq(src.repo, query);
  return {
    forms: new ExportForms(src.repo, src.reference),
    labels: new AnswerLabels((await src.reference.current()).data),
    photoName,
    pages: walkPages(src.repo, query, snapshot, { pageSize: src.pageSize, comments: false }),
  };
}

/** The choice labels and photo links of a submission's answers, by question. */
function readable(geo: GeoJsonExport, item: ExportItem, form: FormDef | undefined) {
  const { payload } = item.submission;
  const labels: Record<string, string | string[]> = {};
  const photos: Record<string, string[]> = {};
  for (const [name, value] of Object.entries(payload.answers)) {
    const field = geo.labels.field(form, name);
    if (field?.type === 'select_one' && typeof value === 'string')
      labels[name] = geo.labels.label(field, value);
    if (field?.type === 'select_multiple') labels[name] = geo.labels.labels(form, name, value);
    if (field?.type === 'photo') photos[name] = photoNames(payload, value, geo.photoName);
  }
  return { labels, photos };
}

function feature(geo: GeoJsonExport, item: ExportItem, form: FormDef | undefined): string {
  const { receipt, payload, sentBy } = item.submission;
  const at = payload.location;
  return JSON.stringify({
    type: 'Feature',
    id: receipt.id,
    geometry: at ? { type: 'Point', coordinates: [at.lon, at.lat] } : null,
    properties: {
      id: receipt.id,
      formId: payload.formId,
      formVersion: payload.formVersion,
      device: sentBy?.deviceName ?? null,
      deviceId: sentBy?.deviceId ?? null,
      capturedAt: new Date(payload.createdAt).toISOString(),
      receivedAt: receipt.receivedAt,
      reviewState: item.reviewState,
      accuracy: at?.accuracy ?? null,
      answers: payload.answers,
      ...readable(geo, item, form),
    },
  });
}

/** The FeatureCollection, one chunk a page, each written before the next page is read. */
export async function* geoJsonText(geo: GeoJsonExport): AsyncGenerator<string> {
  yield '{"type":"FeatureCollection","features":[\n';
  let first = true;
  for await (const items of geo.pages) {
    let text = '';
    for (const item of items) {
      const { formId, formVersion } = item.submission.payload;
      text += (first ? '' : ',\n') + feature(geo, item, await geo.forms.get(formId, formVersion));
      first = false;
    }
    if (text !== '') yield text;
  }
  yield '\n]}\n';
}
