import type { FastifyInstance, FastifyReply } from 'fastify';
import { Readable } from 'node:stream';
import { PHOTO_TYPES } from '../../shared/submission.js';
import { HttpError, megabytes, notFound, payloadTooLarge } from '../errors.js';
import { etagMatches } from '../etag.js';
import { UploadInterrupted, type PhotoStore } from '../photo-store.js';
import type { Repository } from '../repository.js';
import { sha256ParamsSchema } from '../schemas.js';

export interface PhotoRoutesOptions {
  repo: Repository;
  photos: PhotoStore;
}

interface Sha256Params {
  sha256: string;
}

const UPLOAD_TYPES = [...PHOTO_TYPES, 'application/octet-stream'];

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

  const tooLarge = (): HttpError =>
    payloadTooLarge(
      `The photo is larger than the server accepts (${megabytes(photos.maxBytes)}). Remove it from the submission, or ask your administrator to raise PHOTO_MAX_BYTES.`,
    );

  fastify.put<{ Params: Sha256Params; Body: Readable }>(
    '/photos/:sha256',
    { schema: { params: sha256ParamsSchema } },
    async (request, reply) => {
      const { sha256 } = request.params;
      const damaged = (actual: string): HttpError =>
        new HttpError(422, {
          error: 'hash_mismatch',
          message: `The photo's SHA-256 is ${actual}, not ${sha256} as the URL says. It may have been damaged on the way: send it again.`,
        });
      const declared = Number(request.headers['content-length']);
      // Refuse before reading a byte when the client says how much is coming.
      if (Number.isFinite(declared) && declared > photos.maxBytes) throw tooLarge();

      // No body at all skips the content type parsers, leaving nothing to read.
      if (!(request.body instanceof Readable)) {
        throw new HttpError(400, {
          error: 'bad_request',
          message: 'The photo is empty: send its bytes as the body.',
        });
      }

      const held = repo.getPhoto(sha256);
      const onDisk = held !== undefined && (await photos.exists(sha256));
      const result = await photos.receive(request.body, sha256, !onDisk).catch((err: unknown) => {
        // Nobody may be left to read this answer; it keeps the log free of false alarms.
        if (err instanceof UploadInterrupted) {
          throw new HttpError(400, {
            error: 'interrupted',
            message: 'The upload was interrupted: send it again.',
          });
        }
        throw err;
      });
      switch (result.kind) {
        case 'too_large':
          throw tooLarge();
        case 'unsupported':
          if (result.sha256 !== sha256) throw damaged(result.sha256);
          throw new HttpError(415, {
            error: 'unsupported_media_type',
            message: 'The bytes are not a JPEG, PNG or WebP photo.',
          });
        case 'empty':
          throw new HttpError(400, {
            error: 'bad_request',
            message: 'The photo is empty: send its bytes as the body.',
          });
        case 'received':
          break;
      }
      if (result.sha256 !== sha256) {
        if (result.tempPath) await photos.discard(result.tempPath);
        throw damaged(result.sha256);
      }
      if (result.tempPath) await photos.commit(result.tempPath, sha256);
      const record = { sha256, bytes: result.bytes, type: result.type, createdAt: new Date().toISOString() };
      // The row is written only once the file is durably in place: a row means a complete file.
      const created = repo.addPhoto(record) || !onDisk;
      const stored = repo.getPhoto(sha256) ?? record;
      return reply
        .code(created ? 201 : 200)
        .header('location', `/api/photos/${sha256}`)
        .send({ sha256, bytes: stored.bytes, type: stored.type });
    },
  );

  const IMMUTABLE = 'public, max-age=31536000, immutable';

  /** Finds the photo and sets the headers GET and HEAD share; a 304 or 404 ends there. */
  const describe = (sha256: string, ifNoneMatch: string | undefined, reply: FastifyReply) => {
    const record = repo.getPhoto(sha256);
    if (!record) throw notFound(`The server has no photo ${sha256}.`);
    const etag = `"${sha256}"`;
    void reply.header('cache-control', IMMUTABLE).header('etag', etag).type(record.type);
    return { record, notModified: etagMatches(ifNoneMatch, etag) };
  };

  fastify.get<{ Params: Sha256Params }>(
    '/photos/:sha256',
    // HEAD is declared below so that it does not open and read the file.
    { exposeHeadRoute: false, schema: { params: sha256ParamsSchema } },
    async (request, reply) => {
      const { sha256 } = request.params;
      const { record, notModified } = describe(sha256, request.headers['if-none-match'], reply);
      if (notModified) return reply.code(304).send();
      let stream: Readable;
      try {
        stream = await photos.open(sha256);
      } catch (err) {
        if ((err as NodeJS.ErrnoException).code === 'ENOENT')
          throw notFound(`The server has no photo ${sha256}.`);
        throw err;
      }
      return reply.header('content-length', record.bytes).send(stream);
    },
  );

  fastify.head<{ Params: Sha256Params }>(
    '/photos/:sha256',
    { schema: { params: sha256ParamsSchema } },
    async (request, reply) => {
      const { sha256 } = request.params;
      const { record, notModified } = describe(sha256, request.headers['if-none-match'], reply);
      if (notModified) return reply.code(304).send();
      if (!(await photos.exists(sha256))) throw notFound(`The server has no photo ${sha256}.`);
      return reply.header('content-length', record.bytes).send();
    },
  );
}
