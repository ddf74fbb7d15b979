import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import { Readable } from 'node:stream';
import { requestOrigin } from '../auth/guard.js';
import type { CurrentReference } from '../current-reference.js';
import { photoLink } from '../export/answers.js';
import { csvText, exportFileName, planCsv } from '../export/csv.js';
import { geoJsonText, planGeoJson } from '../export/geojson.js';
import { EXPORT_PAGE, exportQueryString, readExportQuery, type ExportQueryString } from '../export/walk.js';
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

const exportSchema = {
  querystring: exportQueryString,
  response: {
    200: { description: 'The export, streamed as it is read.', type: 'string' },
    ...apiErrors(400, 401, 403),
  },
} as const;

type ExportRequest = FastifyRequest<{ Querystring: ExportQueryString }>;

/**
 * Streams an export. The body is sent from a Readable that pulls the next
 * chunk only when the connection has taken the last (pipe waits for
 * 'drain'), so memory holds a page, not the export; when the client goes
 * away Fastify destroys it and the walk stops. Everything that may refuse
 * the request ran before this, so a refusal is an ApiError; a failure
 * after the first byte makes Fastify destroy the connection, and the
 * client sees a cut download rather than a short file that looks whole.
 */
function sendExport(
  reply: FastifyReply,
  type: string,
  fileName: string,
  chunks: AsyncIterable<string | Uint8Array>,
): FastifyReply {
  return reply
    .type(type)
    .header('content-disposition', `attachment; filename="${fileName}"`)
    .header('cache-control', 'no-store')
    .send(Readable.from(chunks, { objectMode: false }));
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

  const queryOf = async (request: ExportRequest, formNeeded: boolean) => {
    const { user } = await request.caller();
    if (!user) throw new Error('The guard lets only signed-in reviewers here.');
    return readExportQuery(user, request.query, formNeeded);
  };

  // CSV and GeoJSON go through @fastify/compress, which compresses a stream as it flows.
  fastify.get<{ Querystring: ExportQueryString }>(
    '/review/export.csv',
    { config: reviewers, schema: exportSchema },
    async (request, reply) => {
      const query = await queryOf(request, true);
      const csv = await planCsv(sources, query, photoLink(requestOrigin(request, publicOrigin)));
      const name = exportFileName(query.formId, clock(), 'csv');
      return sendExport(reply, 'text/csv; charset=utf-8; header=present', name, csvText(csv));
    },
  );

  fastify.get<{ Querystring: ExportQueryString }>(
    '/review/export.geojson',
    { config: reviewers, schema: exportSchema },
    async (request, reply) => {
      const query = await queryOf(request, false);
      const geo = await planGeoJson(sources, query, photoLink(requestOrigin(request, publicOrigin)));
      const name = exportFileName(query.formId, clock(), 'geojson');
      return sendExport(reply, 'application/geo+json', name, geoJsonText(geo));
    },
  );

  // Not compressed again: the CSV inside is deflated, the photos are compressed images.
  fastify.get<{ Querystring: ExportQueryString }>(
    '/review/export.zip',
    { config: reviewers, schema: exportSchema, compress: false },
    async (request, reply) => {
      const query = await queryOf(request, true);
      const zip = await planZip(sources, query, exportFileName(query.formId, clock(), 'csv'));
      const name = exportFileName(query.formId, clock(), 'zip');
      return sendExport(reply, 'application/zip', name, zipBytes(zip));
    },
  );
}
