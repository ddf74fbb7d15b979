import assert from 'node:assert/strict';
import { join } from 'node:path';
import { setImmediate as nextTurn } from 'node:timers/promises';
import { after, describe, it } from 'node:test';
import type { FastifyInstance } from 'fastify';
import type { ApiError, Receipt, SubmissionPage, SubmissionPayload } from '../../shared/submission.js';
import { buildApp } from '../../server/app.js';
import {
  REPOSITORY_OPERATIONS,
  type Repository,
  type RepositoryTx,
} from '../../server/storage/repository.js';
import { openStores } from '../../server/storage/stores.js';
import {
  DEMO_FORMS_DIR,
  injectAsTestCallers,
  putSubmission,
  startListeningServer,
  storedPhotosPayload,
  freshStore,
  removeStore,
  TEST_BACKEND,
  type TestStore,
} from './helpers.js';

/** Each operation of tx handed to through, which runs it. */
function eachOperation(
  tx: RepositoryTx,
  through: (work: () => Promise<unknown>) => Promise<unknown>,
): RepositoryTx {
  const wrapped: Record<string, (...args: unknown[]) => Promise<unknown>> = {};
  for (const name of REPOSITORY_OPERATIONS) {
    wrapped[name] = (...args) => through(() => (tx[name] as (...a: unknown[]) => Promise<unknown>)(...args));
  }
  return wrapped as unknown as RepositoryTx;
}

/** The repository with each transaction's tx replaced by what wrap makes of it. */
function wrapTransactions(repo: Repository, wrap: (tx: RepositoryTx) => RepositoryTx): Repository {
  return {
    ...eachOperation(repo, (work) => work()),
    changes: repo.changes,
    migrate: () => repo.migrate(),
    withTransaction: (fn) => repo.withTransaction((tx) => fn(wrap(tx))),
    close: () => repo.close(),
  };
}

/**
 * Each operation answered on a later turn of the event loop, as a database
 * across a network answers: two requests in flight then truly interleave.
 */
function slowly(tx: RepositoryTx): RepositoryTx {
  return eachOperation(tx, async (work) => {
    await nextTurn();
    return work();
  });
}

describe('two requests for the same submission at once', () => {
  const stores: TestStore[] = [];
  after(() => Promise.all(stores.map(removeStore)));

  /** The real app on a fresh data dir, its repository wrapped. */
  async function appWith(wrap: (repo: Repository) => Repository): Promise<FastifyInstance> {
    const store = await freshStore('races');
    stores.push(store);
    const opened = await openStores({ ...store, photoMaxBytes: 64 * 1024 });
    const app = await buildApp({
      stores: { ...opened, repository: wrap(opened.repository) },
      formsDir: DEMO_FORMS_DIR,
      appDir: join(store.dataDir, 'no-app-here'),
    });
    await injectAsTestCallers(app, opened.repository);
    return app;
  }

  const count = async (app: FastifyInstance, id: string): Promise<number> => {
    const res = await app.inject({ method: 'GET', url: '/api/submissions?limit=200' });
    return res.json<SubmissionPage>().items.filter((s) => s.id === id).length;
  };

  it('answers one of two interleaving PUTs of a new id 201 and the other 200 with the same receipt', async () => {
    let open = 0;
    let most = 0;
    let racing = false;
    let bothOpen = (): void => undefined;
    const overlapping = new Promise<void>((resolve) => (bothOpen = resolve));
    const app = await appWith((repo) => ({
      ...wrapTransactions(repo, slowly),
      withTransaction: (fn) =>
        repo.withTransaction(async (tx) => {
          open += 1;
          most = Math.max(most, open);
          if (open === 2) bothOpen();
          try {
            // On PostgreSQL each waits for the other to be under way too, however
            // long the pool takes to open a second connection: they truly overlap.
            if (racing && TEST_BACKEND === 'postgres') await overlapping;
            return await fn(slowly(tx));
          } finally {
            open -= 1;
          }
        }),
    }));
    try {
      const payload = await storedPhotosPayload(app);
      racing = true;
      const [a, b] = await Promise.all([putSubmission(app, payload), putSubmission(app, payload)]);
      assert.deepEqual([a!.statusCode, b!.statusCode].sort(), [200, 201]);
      assert.deepEqual(a!.json<Receipt>(), b!.json<Receipt>());
      // SQLite runs them one after the other on its one connection; PostgreSQL
      // on two connections at once, where the insert's conflict decides.
      assert.equal(most, TEST_BACKEND === 'sqlite' ? 1 : 2);
      assert.equal(await count(app, payload.id), 1);
    } finally {
      await app.close();
    }
  });

  it('answers the loser of a race with another server from the stored row: its receipt, or 409', async () => {
    // As if the other server's row were committed between this server's look-up and its insert.
    const app = await appWith((repo) =>
      wrapTransactions(repo, (tx) => ({ ...slowly(tx), getSubmission: async () => undefined })),
    );
    try {
      const payload = await storedPhotosPayload(app);
      const first = await putSubmission(app, payload);
      assert.equal(first.statusCode, 201, first.body);
      const again = await putSubmission(app, payload);
      assert.equal(again.statusCode, 200, again.body);
      assert.deepEqual(again.json<Receipt>(), first.json<Receipt>());

      const changed: SubmissionPayload = { ...payload, answers: { ...payload.answers, people_served: 7 } };
      const other = await putSubmission(app, changed);
      assert.equal(other.statusCode, 409);
      assert.equal(other.json<ApiError>().error, 'conflict');
      assert.equal(await count(app, payload.id), 1);
    } finally {
      await app.close();
    }
  });

  it('gives every one of many PUTs of a new id over real connections the same receipt, once 201', async () => {
    const server = await startListeningServer();
    try {
      const payload = await storedPhotosPayload(server.app);
      const answers = await Promise.all(
        Array.from({ length: 8 }, () =>
          fetch(`http://127.0.0.1:${server.port}/api/submissions/${payload.id}`, {
            method: 'PUT',
            headers: { ...server.headers, 'content-type': 'application/json' },
            body: JSON.stringify(payload),
          }),
        ),
      );
      const statuses = answers.map((r) => r.status).sort();
      assert.deepEqual(statuses, [200, 200, 200, 200, 200, 200, 200, 201]);
      const receipts = await Promise.all(answers.map((r) => r.json() as Promise<Receipt>));
      for (const receipt of receipts) assert.deepEqual(receipt, receipts[0]);
      assert.equal(await count(server.app, payload.id), 1);
    } finally {
      await server.close();
    }
  });
});
