import type { FastifyInstance } from 'fastify';
import type { DeviceInfo, EnrollmentRequest } from '../../shared/accounts.js';
import {
  deviceInfo as deviceInfoSchema,
  deviceList,
  enrollment,
  enrollmentRequestBody,
} from '../account-schemas.js';
import { createEnrollment, deviceInfo, revokeDevice } from '../auth/devices.js';
import { requestOrigin } from '../auth/guard.js';
import { apiErrors } from '../response-schemas.js';
import { idParamsSchema } from '../schemas.js';
import type { Repository } from '../storage/repository.js';

export interface DeviceRoutesOptions {
  repo: Repository;
  clock: () => Date;
  /** PUBLIC_URL's origin, which enrollment links start with when set. */
  publicOrigin: string | null;
}

const admin = { allow: ['admin'] } as const;
const enrollSchema = {
  body: enrollmentRequestBody,
  response: { 201: enrollment, ...apiErrors(400, 401, 403, 415) },
};
const listSchema = { response: { 200: deviceList, ...apiErrors(401, 403) } };
const revokeSchema = {
  params: idParamsSchema,
  response: { 200: deviceInfoSchema, ...apiErrors(400, 401, 403, 404) },
};

/** An administrator's management of devices: enrollment codes, the list, revoking. */
export default async function deviceRoutes(
  fastify: FastifyInstance,
  opts: DeviceRoutesOptions,
): Promise<void> {
  const { repo, clock, publicOrigin } = opts;

  fastify.post<{ Body: EnrollmentRequest }>(
    '/enrollments',
    { config: admin, schema: enrollSchema },
    async (request, reply) => {
      const origin = requestOrigin(request, publicOrigin);
      const created = await createEnrollment(repo, request.body, origin, clock());
      return reply.code(201).header('cache-control', 'no-store').send(created);
    },
  );

  fastify.get('/devices', { config: admin, schema: listSchema }, async (_request, reply) => {
    const body: DeviceInfo[] = (await repo.listDevices()).map(deviceInfo);
    return reply.header('cache-control', 'no-store').send(body);
  });

  fastify.delete<{ Params: { id: string } }>(
    '/devices/:id',
    { config: admin, schema: revokeSchema },
    async (request, reply) => {
      const device = await revokeDevice(repo, request.params.id, clock());
      return reply.header('cache-control', 'no-store').send(deviceInfo(device));
    },
  );
}
