import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import { Readable } from 'node:stream';
import { PHOTO_TYPES } from '../../shared/submission.js';
import { parseRange } from '../byte-range.js';
import { etagMatches } from '../etag.js';
import { rangeNotSatisfiable } from '../errors.js';
import { acceptPhoto, checkPhotoBytes, findPhoto, openPhoto } from '../photos.js';
import { apiErrors, notModified, photoBytes, storedPhoto } from '../response-schemas.js';
import { sha256ParamsSchema } from '../schemas.js';
import type { PhotoStore } from '../storage/photo-store.js';
import type { Repository } from '../storage/repository.js';
import { REVIEWERS } from '../auth/guard.js';

export interface PhotoRoutesOptions {
  repo: Repository;
  photos: PhotoStore;
}

interface Sha256Params {
  sha256: string;
}

const UPLOAD_TYPES = [...PHOTO_TYPES, 'application/octet-stream'];
/** A photo never changes, but only some callers may see it: no shared cache may keep it. */
const IMMUTABLE = 'private, max-age=31536000, immutable';

const putSchema = {
  params: sha256ParamsSchema,
  response: { 201: storedPhoto, 200: storedPhoto, ...apiErrors(400, 401, 403, 413, 415, 422) },
};
const getSchema = {
  params: sha256ParamsSchema,
  response: { 200: photoBytes, 206: photoBytes, 304: notModified, ...apiErrors(400, 401, 403, 404, 416) },
};
const sends = { allow: ['device'] } as const;

/**
 * PUT /api/photos/:sha256 and GET/HEAD of the same. A photo is named by
 * the hash of its bytes, so uploading it twice is harmless and a stored
 * photo never changes: clients may cache it forever.
 */
export default async function photoRoutes(fastify: FastifyInstance, opts: PhotoRoutesOptions): Promise<void> {
  const { repo, photos } = opts;

  // Photos arrive as raw bytes. Only the upload types are parsed in this
  // plugin, so a JSON or form body gets Fastify's 415.
  fastify.removeAllContentTypeParsers();
  fastify.addContentTypeParser(UPLOAD_TYPES, (_request, payload, done) => done(null, payload));

  fastify.put<{ Params: Sha256Params; Body: Readable }>(
    '/photos/:sha256',
    { config: sends, schema: putSchema },
    async (request, reply) => {
      const { sha256 } = request.params;
      const declared = Number(request.headers['content-length']);
      const { status, photo } = await acceptPhoto(repo, photos, {
        sha256,
        declaredBytes: Number.isFinite(declared) ? declared : null,
        body: request.body instanceof Readable ? request.body : null,
      });
      return reply.code(status).header('location', `/api/photos/${sha256}`).send(photo);
    },
  );

  /** Finds the photo the caller may see and sets the headers GET and HEAD share; a 404 ends there. */
  const describe = async (request: FastifyRequest<{ Params: Sha256Params }>, reply: FastifyReply) => {
    const { sha256 } = request.params;
    const record = await findPhoto(repo, sha256, await request.caller());
    const ifNoneMatch = request.headers['if-none-match'];
    const etag = `"${sha256}"`;
    void reply
      .header('cache-control', IMMUTABLE)
      .header('etag', etag)
      .header('accept-ranges', 'bytes')
      .type(record.type);
    return { record, etag, notModified: etagMatches(ifNoneMatch, etag) };
  };

  fastify.get<{ Params: Sha256Params }>(
    '/photos/:sha256',
    // HEAD is declared below so that it does not open and read the file.
    { exposeHeadRoute: false, config: REVIEWERS, schema: getSchema },
    async (request, reply) => {
      const { sha256 } = request.params;
      const { headers } = request;
      const { record, etag, notModified } = await describe(request, reply);
      if (notModified) return reply.code(304).send();
      const ifRange = headers['if-range'];
      const asked = parseRange(
        headers.range,
        record.bytes,
        typeof ifRange === 'string' ? ifRange : undefined,
        etag,
      );
      if (asked.kind === 'unsatisfiable') {
        void reply.header('content-range', `bytes */${record.bytes}`);
        throw rangeNotSatisfiable(record.bytes);
      }
      if (asked.kind === 'partial') {
        const { start, end } = asked.range;
        const stream = await openPhoto(photos, sha256, asked.range);
        return reply
          .code(206)
          .header('content-range', `bytes ${start}-${end}/${record.bytes}`)
          .header('content-length', end - start + 1)
          .send(stream);
      }
      const stream = await openPhoto(photos, sha256);
      return reply.header('content-length', record.bytes).send(stream);
    },
  );

  fastify.head<{ Params: Sha256Params }>(
    '/photos/:sha256',
    { config: REVIEWERS, schema: getSchema },
    async (request, reply) => {
      const { record, notModified } = await describe(request, reply);
      if (notModified) return reply.code(304).send();
      await checkPhotoBytes(photos, request.params.sha256);
      return reply.header('content-length', record.bytes).send();
    },
  );
}
