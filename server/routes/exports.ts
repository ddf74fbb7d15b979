import type { FastifyInstance } from 'fastify';
import { requestOrigin, REVIEWERS } from '../auth/guard.js';
import type { CurrentReference } from '../current-reference.js';
import { labelCodesFor } from '../label-search.js';
import { photoLink } from '../export/answers.js';
import { csvText, exportFileName, planCsv } from '../export/csv.js';
import { geoJsonText, planGeoJson } from '../export/geojson.js';
import { EXPORT_PAGE, exportQueryString, readExportQuery, type ExportQueryString } from '../export/walk.js';
import { sendExport, type ExportFile } from '../export/send.js';
import { planZip, zipBytes } from '../export/zip.js';
import { apiErrors } from '../response-schemas.js';
import type { PhotoStore } from '../storage/photo-store.js';
import type { Repository } from '../storage/repository.js';
import type { ReviewQuery } from '../storage/review-listing.js';

export interface ExportRoutesOptions {
  repo: Repository;
  photos: PhotoStore;
  reference: CurrentReference;
  clock: () => Date;
  /** PUBLIC_URL's origin: photo links start with it when set. */
  publicOrigin: string | null;
  /** Rows read at a time; tests make it small to cross many pages. */
  pageSize?: number;
}

/**
 * Written by sendExport, compressed there: not by @fastify/compress. No
 * HEAD route, which would run a whole export to send no body.
 */
const streamed = { compress: false, exposeHeadRoute: false } as const;

const exportSchema = {
  querystring: exportQueryString,
  response: {
    200: { description: 'The export, streamed as it is read.', type: 'string' },
    ...apiErrors(400, 401, 403),
  },
} as const;

const CSV_TYPE = 'text/csv; charset=utf-8; header=present';

/** A text export, compressed on the way when the client takes it. */
const text = (type: string, chunks: AsyncIterable<string>): Omit<ExportFile, 'name'> => ({
  type,
  chunks,
  compressible: true,
});

interface ExportKind {
  formNeeded: boolean;
  /** origin: where photo links point (this server as the request reached it, or PUBLIC_URL). */
  plan(query: ReviewQuery, origin: string): Promise<Omit<ExportFile, 'name'>>;
}

/**
 * Exports of the review table's filtered set (docs/api.md, "Review"): CSV,
 * GeoJSON, and a ZIP of the CSV with its photos. They take the listing's
 * filter and scope, through the listing's query.
 */
export default async function exportRoutes(
  fastify: FastifyInstance,
  opts: ExportRoutesOptions,
): Promise<void> {
  const { repo, photos, reference, clock, publicOrigin } = opts;
  const sources = { repo, reference, photos, pageSize: opts.pageSize ?? EXPORT_PAGE };

  /** Each export: whether it needs a form, and its file planned for the query (refusing before a byte). */
  const kinds: Record<string, ExportKind> = {
    csv: {
      formNeeded: true,
      plan: async (query, origin) =>
        text(CSV_TYPE, csvText(await planCsv(sources, query, photoLink(origin)))),
    },
    geojson: {
      formNeeded: false,
      plan: async (query, origin) =>
        text('application/geo+json', geoJsonText(await planGeoJson(sources, query, photoLink(origin)))),
    },
    zip: {
      formNeeded: true,
      plan: async (query) => ({
        type: 'application/zip',
        chunks: zipBytes(await planZip(sources, query, exportFileName(query.formId, clock(), 'csv'))),
        // Not compressed again: the CSV inside is deflated, the photos are compressed images.
        compressible: false,
      }),
    },
  };

  for (const [extension, kind] of Object.entries(kinds)) {
    fastify.get<{ Querystring: ExportQueryString }>(
      `/review/export.${extension}`,
      { config: REVIEWERS, schema: exportSchema, ...streamed },
      async (request, reply) => {
        const { user } = await request.caller();
        if (!user) throw new Error('The guard lets only signed-in reviewers here.');
        const query = readExportQuery(
          user,
          request.query,
          kind.formNeeded,
          await labelCodesFor(reference, request.query.q),
        );
        const file = await kind.plan(query, requestOrigin(request, publicOrigin));
        await sendExport(request, reply, { ...file, name: exportFileName(query.formId, clock(), extension) });
      },
    );
  }
}
