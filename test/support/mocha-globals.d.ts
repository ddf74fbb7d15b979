/**
 * The Mocha globals that @web/test-runner puts on the test page, typed for the
 * parts tests use (there is no @types/mocha here). ESLint's strict set forbids
 * the triple-slash reference this needs; `import { describe, it } from
 * '../support/mocha.js'` gives the same functions without one.
 */
interface MochaContext {
  timeout(ms: number): void;
}
type MochaBody = (this: MochaContext) => void | Promise<void>;

declare function describe(title: string, body: (this: MochaContext) => void): void;
declare function it(title: string, body: MochaBody): void;
declare function before(body: MochaBody): void;
declare function after(body: MochaBody): void;
declare function beforeEach(body: MochaBody): void;
declare function afterEach(body: MochaBody): void;
