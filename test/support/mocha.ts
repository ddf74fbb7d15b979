/**
 * Typed access to the Mocha functions that @web/test-runner puts on the test
 * page as globals (there is no @types/mocha here). Each is looked up when
 * called, so importing this module never depends on the order of set-up.
 */

export interface MochaContext {
  timeout(ms: number): void;
}

export type MochaBody = (this: MochaContext) => void | Promise<void>;

interface MochaGlobals {
  describe(title: string, body: () => void): void;
  it(title: string, body: MochaBody): void;
  before(body: MochaBody): void;
  after(body: MochaBody): void;
  beforeEach(body: MochaBody): void;
  afterEach(body: MochaBody): void;
}

const mocha = (): MochaGlobals => globalThis as unknown as MochaGlobals;

export const describe = (title: string, body: () => void): void => mocha().describe(title, body);
export const it = (title: string, body: MochaBody): void => mocha().it(title, body);
export const before = (body: MochaBody): void => mocha().before(body);
export const after = (body: MochaBody): void => mocha().after(body);
export const beforeEach = (body: MochaBody): void => mocha().beforeEach(body);
export const afterEach = (body: MochaBody): void => mocha().afterEach(body);
