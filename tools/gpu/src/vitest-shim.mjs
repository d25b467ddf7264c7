// A minimal stand-in for the part of vitest's API the WebGPU test files use, so that
// esbuild can bundle them (pack.sh aliases 'vitest' to this file) and plain Node runs
// them on a machine with no node_modules: describe / it / test (+ .skip, .skipIf),
// beforeAll / afterAll / beforeEach / afterEach, the test context's skip(), per-test
// timeouts, and expect with the matchers those files use (.not, .resolves, .rejects).
// `run()` executes what was collected, in order, one JSON line per test on stdout.
import { isDeepStrictEqual, inspect } from 'node:util';

class SkipSignal extends Error {
  constructor(note) {
    super(note ?? 'skipped');
    this.name = 'SkipSignal';
  }
}

function newSuite(title, parent, skipped = false) {
  return { title, parent, skipped: skipped || !!parent?.skipped, children: [], beforeAll: [], afterAll: [], beforeEach: [], afterEach: [] };
}

const root = newSuite('', null);
let current = root;

function addSuite(title, fn, skipped) {
  const suite = newSuite(title, current, skipped);
  current.children.push({ kind: 'suite', suite });
  const prev = current;
  current = suite;
  try {
    fn?.();
  } finally {
    current = prev;
  }
}

export function describe(title, fn) {
  addSuite(title, fn, false);
}
describe.skip = (title, fn) => addSuite(title, fn, true);
describe.skipIf = (cond) => (title, fn) => addSuite(title, fn, !!cond);
describe.runIf = (cond) => describe.skipIf(!cond);

export function it(title, fn, timeout) {
  const ms = typeof timeout === 'number' ? timeout : (timeout?.timeout ?? undefined);
  current.children.push({ kind: 'test', title, fn, timeout: ms, skipped: false });
}
it.skip = (title, fn, timeout) => {
  it(title, fn, timeout);
  current.children.at(-1).skipped = true;
};
it.skipIf = (cond) => (cond ? it.skip : it);
it.runIf = (cond) => (cond ? it : it.skip);
export const test = it;

export const beforeAll = (fn) => current.beforeAll.push(fn);
export const afterAll = (fn) => current.afterAll.push(fn);
export const beforeEach = (fn) => current.beforeEach.push(fn);
export const afterEach = (fn) => current.afterEach.push(fn);

// ------------------------------------------------------------------ expect

const show = (v) => inspect(v, { depth: 4, breakLength: Infinity, maxArrayLength: 20 });

/** vitest's toEqual: recursive, Object.is on numbers (so -0 differs from 0, NaN equals NaN), undefined properties ignored. */
function equals(a, b, strict = false) {
  if (Object.is(a, b)) return true;
  if (typeof a !== 'object' || typeof b !== 'object' || a === null || b === null) return false;
  if (strict && Object.getPrototypeOf(a) !== Object.getPrototypeOf(b)) return false;
  if (ArrayBuffer.isView(a) || ArrayBuffer.isView(b)) return isDeepStrictEqual(a, b);
  if (Array.isArray(a) !== Array.isArray(b)) return false;
  if (Array.isArray(a)) return a.length === b.length && a.every((v, i) => equals(v, b[i], strict));
  if (a instanceof Map || a instanceof Set || a instanceof Date || a instanceof RegExp) return isDeepStrictEqual(a, b);
  if (a instanceof Error && b instanceof Error) return a.message === b.message;
  const keys = (o) => Object.keys(o).filter((k) => strict || o[k] !== undefined);
  const ka = keys(a);
  const kb = keys(b);
  return ka.length === kb.length && ka.every((k) => Object.prototype.hasOwnProperty.call(b, k) && equals(a[k], b[k], strict));
}

function matchesObject(actual, expected) {
  if (typeof expected !== 'object' || expected === null) return equals(actual, expected);
  if (typeof actual !== 'object' || actual === null) return false;
  if (Array.isArray(expected)) return Array.isArray(actual) && actual.length === expected.length && expected.every((v, i) => matchesObject(actual[i], v));
  return Object.keys(expected).every((k) => matchesObject(actual[k], expected[k]));
}

function thrownMatches(error, expected) {
  if (expected === undefined) return true;
  const message = error instanceof Error ? error.message : String(error);
  if (typeof expected === 'string') return message.includes(expected);
  if (expected instanceof RegExp) return expected.test(message);
  if (typeof expected === 'function') return error instanceof expected;
  if (expected instanceof Error) return message === expected.message;
  return matchesObject(error, expected);
}

const MATCHERS = {
  toBe: (a, e) => [Object.is(a, e), `expected ${show(a)} to be ${show(e)}`],
  toEqual: (a, e) => [equals(a, e), `expected ${show(a)} to equal ${show(e)}`],
  toStrictEqual: (a, e) => [equals(a, e, true), `expected ${show(a)} to strictly equal ${show(e)}`],
  toMatchObject: (a, e) => [matchesObject(a, e), `expected ${show(a)} to match ${show(e)}`],
  toBeCloseTo: (a, e, digits = 2) => [Math.abs(a - e) < 10 ** -digits / 2 || Object.is(a, e), `expected ${show(a)} to be close to ${show(e)} (${digits} digits)`],
  toBeGreaterThan: (a, e) => [a > e, `expected ${show(a)} > ${show(e)}`],
  toBeGreaterThanOrEqual: (a, e) => [a >= e, `expected ${show(a)} >= ${show(e)}`],
  toBeLessThan: (a, e) => [a < e, `expected ${show(a)} < ${show(e)}`],
  toBeLessThanOrEqual: (a, e) => [a <= e, `expected ${show(a)} <= ${show(e)}`],
  toBeInstanceOf: (a, e) => [a instanceof e, `expected ${show(a)} to be an instance of ${e?.name}`],
  toBeUndefined: (a) => [a === undefined, `expected ${show(a)} to be undefined`],
  toBeDefined: (a) => [a !== undefined, `expected a defined value`],
  toBeNull: (a) => [a === null, `expected ${show(a)} to be null`],
  toBeTruthy: (a) => [!!a, `expected ${show(a)} to be truthy`],
  toBeFalsy: (a) => [!a, `expected ${show(a)} to be falsy`],
  toBeNaN: (a) => [Number.isNaN(a), `expected ${show(a)} to be NaN`],
  toContain: (a, e) => [typeof a === 'string' ? a.includes(e) : Array.from(a ?? []).includes(e), `expected ${show(a)} to contain ${show(e)}`],
  toMatch: (a, e) => [typeof e === 'string' ? String(a).includes(e) : e.test(String(a)), `expected ${show(a)} to match ${show(e)}`],
  toHaveLength: (a, e) => [a?.length === e, `expected length ${a?.length} to be ${e}`],
  toHaveProperty: (a, k) => [a != null && k in Object(a), `expected ${show(a)} to have property ${k}`],
};

function makeAssertions(getActual, label, negate, mode) {
  const out = {};
  for (const [name, check] of Object.entries(MATCHERS)) {
    out[name] = (...args) => {
      const verdict = (actual) => {
        const [pass, message] = check(actual, ...args);
        if (pass === negate) throw new Error(`${label ? `${label}: ` : ''}${negate ? 'not: ' : ''}${message}`);
      };
      if (mode === 'resolves') return Promise.resolve(getActual()).then(verdict);
      if (mode === 'rejects')
        return Promise.resolve(getActual()).then(
          (v) => {
            throw new Error(`${label ? `${label}: ` : ''}expected a rejection, got ${show(v)}`);
          },
          (error) => verdict(error),
        );
      verdict(getActual());
      return undefined;
    };
  }
  out.toThrow = (expected) => {
    if (mode === 'rejects') {
      return Promise.resolve(getActual()).then(
        (v) => {
          if (!negate) throw new Error(`${label ? `${label}: ` : ''}expected a rejection, got ${show(v)}`);
        },
        (error) => {
          if (thrownMatches(error, expected) === negate) throw new Error(`${label ? `${label}: ` : ''}rejection ${show(error)} ${negate ? 'matches' : 'does not match'} ${show(expected)}`);
        },
      );
    }
    let threw = false;
    let error;
    try {
      getActual()();
    } catch (e) {
      threw = true;
      error = e;
    }
    const pass = threw && thrownMatches(error, expected);
    if (pass === negate) throw new Error(`${label ? `${label}: ` : ''}expected ${negate ? 'no throw' : `a throw matching ${show(expected)}`}, got ${threw ? show(error) : 'no throw'}`);
    return undefined;
  };
  out.toThrowError = out.toThrow;
  return out;
}

export function expect(actual, label) {
  const base = makeAssertions(() => actual, label, false, null);
  base.not = makeAssertions(() => actual, label, true, null);
  base.resolves = makeAssertions(() => actual, label, false, 'resolves');
  base.resolves.not = makeAssertions(() => actual, label, true, 'resolves');
  base.rejects = makeAssertions(() => actual, label, false, 'rejects');
  base.rejects.not = makeAssertions(() => actual, label, true, 'rejects');
  return base;
}
expect.soft = expect;

// ------------------------------------------------------------------ running

function withTimeout(promise, ms, what) {
  if (!ms || !Number.isFinite(ms)) return promise;
  let timer;
  return Promise.race([
    promise.finally(() => clearTimeout(timer)),
    new Promise((_, reject) => {
      timer = setTimeout(() => reject(new Error(`${what} timed out after ${ms} ms`)), ms);
    }),
  ]);
}

const describeError = (e) => (e instanceof Error ? `${e.name}: ${e.message}`.slice(0, 600) : String(e).slice(0, 600));

/**
 * Runs every collected test in order. `emit(result)` receives one object per test
 * ({ suite, test, status: 'passed' | 'failed' | 'skipped', ms, note? }); returns the counts.
 * `filter(title)`: run only the tests whose full title it accepts (the rest are not reported).
 */
export async function run({ emit = (r) => console.log(JSON.stringify(r)), defaultTimeout = 60_000, filter } = {}) {
  const counts = { passed: 0, failed: 0, skipped: 0 };
  const report = (r) => {
    counts[r.status]++;
    emit(r);
  };

  async function runSuite(suite, path, eachHooks) {
    const suitePath = suite.title ? [...path, suite.title] : path;
    const before = [...eachHooks.before, ...suite.beforeEach];
    const after = [...suite.afterEach, ...eachHooks.after];
    let setupError = null;
    if (!suite.skipped) {
      for (const hook of suite.beforeAll) {
        try {
          await withTimeout(Promise.resolve().then(() => hook()), 180_000, 'beforeAll');
        } catch (e) {
          setupError = e;
          break;
        }
      }
    }
    for (const child of suite.children) {
      if (child.kind === 'suite') {
        if (setupError) child.suite.skipped = true;
        await runSuite(child.suite, suitePath, { before, after });
        continue;
      }
      const name = [...suitePath, child.title].join(' > ');
      if (filter && !filter(name)) continue;
      if (suite.skipped || child.skipped) {
        report({ suite: suitePath.join(' > '), test: child.title, status: 'skipped', ms: 0, note: suite.skipped ? 'suite skipped' : 'it.skip' });
        continue;
      }
      if (setupError) {
        report({ suite: suitePath.join(' > '), test: child.title, status: 'failed', ms: 0, note: `beforeAll failed: ${describeError(setupError)}` });
        continue;
      }
      const t0 = performance.now();
      let status = 'passed';
      let note;
      const ctx = {
        skip: (n) => {
          throw new SkipSignal(n);
        },
        task: { name: child.title },
      };
      try {
        for (const hook of before) await hook(ctx);
        await withTimeout(Promise.resolve().then(() => child.fn?.(ctx)), child.timeout ?? defaultTimeout, `test '${child.title}'`);
      } catch (e) {
        if (e instanceof SkipSignal) {
          status = 'skipped';
          note = e.message;
        } else {
          status = 'failed';
          note = describeError(e);
        }
      }
      for (const hook of after) {
        try {
          await hook(ctx);
        } catch (e) {
          if (status !== 'failed') {
            status = 'failed';
            note = `afterEach: ${describeError(e)}`;
          }
        }
      }
      report({ suite: suitePath.join(' > '), test: child.title, status, ms: Math.round(performance.now() - t0), ...(note ? { note } : {}) });
    }
    if (!suite.skipped) {
      for (const hook of suite.afterAll) {
        try {
          await hook();
        } catch (e) {
          report({ suite: suitePath.join(' > '), test: '(afterAll)', status: 'failed', ms: 0, note: describeError(e) });
        }
      }
    }
  }

  await runSuite(root, [], { before: [], after: [] });
  return counts;
}
