import type { FastifyInstance, FastifyRequest } from 'fastify';
import { requestOrigin } from '../auth/guard.js';
import type { CurrentReference } from '../current-reference.js';
import { photoLink } from '../export/answers.js';
import { csvText, exportFileName, planCsv } from '../export/csv.js';
import { geoJsonText, planGeoJson } from '../export/geojson.js';
import { EXPORT_PAGE, exportQueryString, readExportQuery, type ExportQueryString } from '../export/walk.js';
import { sendExport } from '../export/send.js';
import { planZip, zipBytes } from '../export/zip.js';
import { apiErrors } from '../response-schemas.js';
import type { PhotoStore } from '../storage/photo-store.js';
import type { Repository } from '../storage/repository.js';

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

const reviewers = { allow: ['supervisor', 'admin'] } as const;
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

type ExportRequest = FastifyRequest<{ Querystring: ExportQueryString }>;

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

  const queryOf = async (request: ExportRequest, formNeeded: boolean) => {
    const { user } = await request.caller();
    if (!user) throw new Error('The guard lets only signed-in reviewers here.');
    return readExportQuery(user, request.query, formNeeded);
  };

  fastify.get<{ Querystring: ExportQueryString }>(
    '/review/export.csv',
    { config: reviewers, schema: exportSchema, ...streamed },
    async (request, reply) => {
      const query = await queryOf(request, true);
      const csv = await planCsv(sources, query, photoLink(requestOrigin(request, publicOrigin)));
      const name = exportFileName(query.formId, clock(), 'csv');
      const type = 'text/csv; charset=utf-8; header=present';
      await sendExport(request, reply, { type, name, chunks: csvText(csv), compressible: true });
    },
  );

  fastify.get<{ Querystring: ExportQueryString }>(
    '/review/export.geojson',
    { config: reviewers, schema: exportSchema, ...streamed },
    async (request, reply) => {
      const query = await queryOf(request, false);
      const geo = await planGeoJson(sources, query, photoLink(requestOrigin(request, publicOrigin)));
      const name = exportFileName(query.formId, clock(), 'geojson');
      const type = 'application/geo+json';
      await sendExport(request, reply, { type, name, chunks: geoJsonText(geo), compressible: true });
    },
  );

  fastify.get<{ Querystring: ExportQueryString }>(
    '/review/export.zip',
    { config: reviewers, schema: exportSchema, ...streamed },
    async (request, reply) => {
      const query = await queryOf(request, true);
      const zip = await planZip(sources, query, exportFileName(query.formId, clock(), 'csv'));
      const name = exportFileName(query.formId, clock(), 'zip');
      // Not compressed again: the CSV inside is deflated, the photos are compressed images.
      await sendExport(request, reply, {
        type: 'application/zip',
        name,
        chunks: zipBytes(zip),
        compressible: false,
      });
    },
  );
}
