/**
 * Fastify's own schema compilers (Ajv for requests, fast-json-stringify for
 * responses), deferred: a route's validators and serializers are generated
 * when its first request needs them, not all at start-up. Generating them
 * was about a third of a server's start (about 0.4 CPU-s of 1.4 measured),
 * paid again by every restart, for routes a given process may never
 * answer. Afterwards each call costs one check.
 *
 * The Ajv instance is Fastify's pooled one, kept for the process: apps built
 * in one process with the same options share it, and with it Ajv's cache of
 * schemas already compiled.
 *
 * A schema that cannot compile is found at its route's first request (a 500)
 * rather than at start; `compileDeferred()` compiles every one waiting, and
 * the server tests call it on the whole app.
 */
import AjvCompiler from '@fastify/ajv-compiler';
import SerializerSelector from '@fastify/fast-json-stringify-compiler';
import type { FastifySchemaValidationError, FastifyServerOptions } from 'fastify';

type ValidatorFactory = AjvCompiler.BuildCompilerFromPool;
type SerializerFactory = SerializerSelector.SerializerFactory;

interface Validator {
  (data: unknown, dataCxt?: unknown): unknown;
  errors?: FastifySchemaValidationError[] | null;
}

/** Compilations not yet run, so that a test can force them all. */
const waiting = new Set<() => unknown>();

function deferred<T>(build: () => T): () => T {
  let built: T | undefined;
  const get = (): T => {
    if (built === undefined) {
      built = build();
      waiting.delete(get);
    }
    return built;
  };
  waiting.add(get);
  return get;
}

const validators = AjvCompiler();
const buildValidator: ValidatorFactory = (externalSchemas, options) => {
  const compile = validators(externalSchemas, options);
  return ((route: Parameters<typeof compile>[0]) => {
    const get = deferred(() => compile(route) as Validator);
    const validate: Validator = (data, dataCxt) => {
      const fn = get();
      const result = fn(data, dataCxt);
      // Fastify reads the errors off the function it was given.
      validate.errors = fn.errors ?? null;
      return result;
    };
    return validate;
  }) as ReturnType<ValidatorFactory>;
};

const serializers = SerializerSelector();
const buildSerializer: SerializerFactory = (externalSchemas, options) => {
  const compile = serializers(externalSchemas, options);
  return (route) => {
    const get = deferred(() => compile(route));
    return (doc) => get()(doc);
  };
};

/** Fastify's `schemaController` option: its compilers, each run at a route's first use. */
export const deferredCompilers: NonNullable<FastifyServerOptions['schemaController']> = {
  compilersFactory: { buildValidator, buildSerializer },
};

/**
 * Compiles every validator and serializer still waiting for its first
 * request, and says how many; throws the first failure.
 */
export function compileDeferred(): number {
  const all = [...waiting];
  for (const get of all) get();
  return all.length;
}
