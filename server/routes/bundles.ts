import multipart from '@fastify/multipart';
import { createHash } from 'node:crypto';
import type { Readable } from 'node:stream';
import type { FastifyInstance } from 'fastify';
import { SHA256_RE, type SubmissionPayload } from '../../shared/submission.js';
import type { CurrentReference } from '../current-reference.js';
import {
  badRequest,
  describeValidation,
  HttpError,
  megabytes,
  payloadTooLarge,
  type AjvError,
} from '../errors.js';
import type { FlagSettings } from '../flags.js';
import { acceptPhoto } from '../photos.js';
import { apiErrors, receipt } from '../response-schemas.js';
import { idParamsSchema, MAX_PHOTOS, submissionPayloadSchema } from '../schemas.js';
import type { PhotoStore } from '../storage/photo-store.js';
import type { Repository } from '../storage/repository.js';
import { acceptSubmission } from '../submissions.js';
import { SUBMISSION_BODY_LIMIT } from './submissions.js';

export interface BundleRoutesOptions {
  repo: Repository;
  photos: PhotoStore;
  reference: CurrentReference;
  flagSettings: FlagSettings;
}

interface IdParams {
  id: string;
}

/** The form field that carries the submission's JSON, and the one each photo comes in, named by its SHA-256. */
export const BUNDLE_RECORD_FIELD = 'submission';
export const BUNDLE_PHOTO_FIELD = 'photo';

/**
 * The record's bytes, checked against the SHA-256 they are named by (so
 * that damage on the way is never stored as an answer), then parsed.
 */
async function readRecord(file: Readable, sha256: string): Promise<unknown> {
  const hash = createHash('sha256');
  const chunks: Buffer[] = [];
  let bytes = 0;
  for await (const chunk of file as AsyncIterable<Buffer>) {
    bytes += chunk.length;
    if (bytes > SUBMISSION_BODY_LIMIT) {
      file.resume();
      throw payloadTooLarge(
        `The submission is larger than the server accepts (${megabytes(SUBMISSION_BODY_LIMIT)}): shorten the longest text answers, then send it again.`,
      );
    }
    hash.update(chunk);
    chunks.push(chunk);
  }
  const actual = hash.digest('hex');
  if (actual !== sha256) {
    throw new HttpError(422, {
      error: 'hash_mismatch',
      message: `The submission's SHA-256 is ${actual}, not ${sha256} as its part says. It may have been damaged on the way: send it again.`,
    });
  }
  try {
    return JSON.parse(Buffer.concat(chunks).toString('utf8'));
  } catch {
    throw badRequest(`The "${BUNDLE_RECORD_FIELD}" part is not valid JSON.`, BUNDLE_RECORD_FIELD);
  }
}

const putSchema = {
  params: idParamsSchema,
  response: { 201: receipt, 200: receipt, ...apiErrors(400, 401, 403, 409, 413, 415, 422) },
};

/**
 * PUT /api/submissions/:id/bundle: a submission and its photos in one
 * multipart/form-data request, as OpenRosa servers take them. One request
 * instead of one per photo and one for the record is what a device draining
 * a backlog of small submissions spends most on. Every part is a file named
 * by the SHA-256 of its bytes, so damage on the way is caught: each photo is
 * stored exactly as PUT /api/photos/:sha256 stores it (idempotent), and the
 * record is then accepted exactly as PUT /api/submissions/:id accepts it,
 * whatever order the parts came in. Sending the same bundle again is harmless.
 */
export default async function bundleRoutes(
  fastify: FastifyInstance,
  opts: BundleRoutesOptions,
): Promise<void> {
  const { repo, photos, reference } = opts;
  // Only multipart bodies here: anything else gets Fastify's 415.
  fastify.removeAllContentTypeParsers();
  await fastify.register(multipart, {
    limits: {
      // One more of each than a bundle has, so that a stray part is named in a 400 rather than cut off.
      fields: 1,
      fieldSize: 1024,
      files: MAX_PHOTOS + 2,
      fileSize: Math.max(photos.maxBytes, SUBMISSION_BODY_LIMIT),
      parts: MAX_PHOTOS + 2,
      headerPairs: 20,
    },
  });

  fastify.put<{ Params: IdParams }>(
    '/submissions/:id/bundle',
    { config: { allow: ['device'] }, schema: putSchema },
    async (request, reply) => {
      const { device } = await request.caller();
      if (!device) throw new Error('The guard lets only devices send submissions.');
      let record: unknown = undefined;
      for await (const part of request.parts()) {
        if (part.type !== 'file' || !SHA256_RE.test(part.filename)) {
          if (part.type === 'file') part.file.resume();
          throw badRequest(
            `Each part of a bundle is a file named by the SHA-256 of its bytes: "${BUNDLE_PHOTO_FIELD}" parts and one "${BUNDLE_RECORD_FIELD}".`,
            part.fieldname,
          );
        }
        if (part.fieldname === BUNDLE_PHOTO_FIELD) {
          await acceptPhoto(repo, photos, { sha256: part.filename, declaredBytes: null, body: part.file });
        } else if (part.fieldname === BUNDLE_RECORD_FIELD && record === undefined) {
          record = await readRecord(part.file, part.filename);
        } else {
          part.file.resume();
          throw badRequest(
            `A bundle has one "${BUNDLE_RECORD_FIELD}" part and "${BUNDLE_PHOTO_FIELD}" parts, not "${part.fieldname}".`,
            part.fieldname,
          );
        }
      }
      if (record === undefined)
        throw badRequest(`The bundle has no "${BUNDLE_RECORD_FIELD}" part.`, BUNDLE_RECORD_FIELD);
      const validate = request.compileValidationSchema(submissionPayloadSchema);
      if (!validate(record)) {
        const { field, message } = describeValidation((validate.errors ?? []) as AjvError[], 'body');
        throw new HttpError(400, { error: 'bad_request', message, field });
      }
      const payload = record as SubmissionPayload;
      if (payload.id !== request.params.id) {
        throw badRequest(
          `The submission's id ${payload.id} is not the id in the URL (${request.params.id}).`,
          'id',
        );
      }
      const { status, receipt: accepted } = await acceptSubmission(
        repo,
        reference,
        payload,
        device,
        opts.flagSettings,
      );
      return reply.code(status).header('location', `/api/submissions/${accepted.id}`).send(accepted);
    },
  );
}
