import type { FastifyInstance } from 'fastify';
import type { NewUserRequest, UserChangeRequest, UserInfo } from '../../shared/accounts.js';
import { newUserBody, userChangeBody, userInfo as userInfoSchema, userList } from '../account-schemas.js';
import { changeUser, createUser, userInfo } from '../auth/users.js';
import { apiErrors } from '../response-schemas.js';
import { idParamsSchema } from '../schemas.js';
import type { Repository } from '../storage/repository.js';

export interface UserRoutesOptions {
  repo: Repository;
  clock: () => Date;
  /** log2 of scrypt's N for new password hashes (PASSWORD_HASH_COST). */
  passwordCost: number;
}

const admin = { allow: ['admin'] } as const;
const listSchema = { response: { 200: userList, ...apiErrors(401, 403) } };
const createSchema = {
  body: newUserBody,
  response: { 201: userInfoSchema, ...apiErrors(400, 401, 403, 409, 415) },
};
const changeSchema = {
  params: idParamsSchema,
  body: userChangeBody,
  response: { 200: userInfoSchema, ...apiErrors(400, 401, 403, 404, 409, 415) },
};

/** An administrator's management of supervisors and administrators. */
export default async function userRoutes(fastify: FastifyInstance, opts: UserRoutesOptions): Promise<void> {
  const { repo, clock, passwordCost } = opts;

  fastify.get('/users', { config: admin, schema: listSchema }, async (_request, reply) => {
    const body: UserInfo[] = (await repo.listUsers()).map(userInfo);
    return reply.header('cache-control', 'no-store').send(body);
  });

  fastify.post<{ Body: NewUserRequest }>(
    '/users',
    { config: admin, schema: createSchema },
    async (request, reply) => {
      const user = await createUser(repo, request.body, clock(), passwordCost);
      return reply.code(201).header('cache-control', 'no-store').send(userInfo(user));
    },
  );

  fastify.patch<{ Params: { id: string }; Body: UserChangeRequest }>(
    '/users/:id',
    { config: admin, schema: changeSchema },
    async (request, reply) => {
      const user = await changeUser(repo, request.params.id, request.body, clock(), passwordCost);
      return reply.header('cache-control', 'no-store').send(userInfo(user));
    },
  );
}
