/**
 * Deterministic tensor memory: `tidy` scopes, `keep`, and a FinalizationRegistry safety net.
 *
 * Node 20 runs finalizers only after control returns to the event loop, so a synchronous training
 * loop that relied on GC would grow without bound. Tensors created inside `tidy` are therefore
 * tracked in the scope and freed when it ends; only tensors that live outside every scope (or are
 * kept/returned out of the outermost one) are registered with the GC backstop.
 *
 * Registration is deferred to the next turn of the event loop (or to every 4,096 tensors): a tensor
 * disposed before then — `using t = a.add(b)`, or `.dispose()` in a loop — never pays for
 * register + unregister (about 0.6 µs, most of an outside-scope tiny op). Nothing is lost by waiting:
 * finalizers cannot run before control returns to the event loop anyway.
 */
import { native } from './native.js';
import { SdartsError, typeError, withCode } from '../util/errors.js';

/** What the scope machinery needs from a tensor (implemented by Tensor). */
export interface Tracked {
  _h: number;
  _kept: boolean;
  /** In the GC safety net: 0 no, 1 waiting to be registered, 2 registered. */
  _gc: number;
}

const scopes: Tracked[][] = [];

const registry = new FinalizationRegistry<number>((h) => {
  try {
    native().dispose(h);
  } catch {
    // The environment is shutting down; nothing left to free.
  }
});

/** Called by every Tensor constructor. */
export function track(t: Tracked): void {
  const s = scopes.length > 0 ? scopes[scopes.length - 1] : undefined;
  if (s !== undefined) s.push(t);
  else register(t);
}

let pending: Tracked[] = [];
let flushScheduled = false;
const FLUSH_AT = 4096;

function register(t: Tracked): void {
  if (t._gc === 0 && t._h >= 0) {
    t._gc = 1;
    pending.push(t);
    if (pending.length >= FLUSH_AT) flushPending();
    else if (!flushScheduled) {
      flushScheduled = true;
      setImmediate(flushPending).unref();
    }
  }
}

/** Register the waiting tensors that are still alive with the FinalizationRegistry. */
function flushPending(): void {
  flushScheduled = false;
  const waiting = pending;
  pending = [];
  for (const t of waiting) {
    if (t._gc === 1 && t._h >= 0) {
      registry.register(t, t._h, t);
      t._gc = 2;
    }
  }
}

/** Free a tensor's native storage now. Idempotent. */
export function release(t: Tracked): void {
  if (t._h < 0) return;
  native().dispose(t._h);
  if (t._gc === 2) registry.unregister(t);
  t._gc = 0;
  t._h = -1;
}

/** Exclude a tensor from the enclosing tidy scopes: it lives until disposed (or collected). */
export function keep<T extends Tracked>(t: T): T {
  if (t === null || typeof t !== 'object' || !('_kept' in t)) throw typeError('keep', 't', 'a Tensor', t);
  t._kept = true;
  if (scopes.length === 0) register(t);
  return t;
}

function collect(value: unknown, out: Set<Tracked>, depth = 0): void {
  if (value === null || typeof value !== 'object' || depth > 6) return;
  if ('_h' in (value as object) && '_kept' in (value as object)) {
    out.add(value as Tracked);
    return;
  }
  if (Array.isArray(value)) {
    for (const v of value) collect(v, out, depth + 1);
  } else if (value instanceof Map) {
    for (const v of value.values()) collect(v, out, depth + 1);
  } else if (Object.getPrototypeOf(value) === Object.prototype) {
    for (const v of Object.values(value as Record<string, unknown>)) collect(v, out, depth + 1);
  }
}

/**
 * Run `fn` synchronously; every tensor created inside is freed when it returns, except tensors in
 * its return value (arrays/plain objects/Maps are searched) and tensors passed to `keep()`.
 * Returned tensors move to the enclosing scope. On an exception everything created is freed.
 */
export function tidy<T>(fn: () => T): T {
  if (typeof fn !== 'function') {
    throw withCode(new TypeError(`Expected a function for 'fn' in tidy() but received ${typeof fn}`), 'ERR_SDARTS_INVALID_ARG_TYPE');
  }
  const scope: Tracked[] = [];
  scopes.push(scope);
  let result: T;
  try {
    result = fn();
  } catch (err) {
    scopes.pop();
    for (const t of scope) {
      if (!t._kept) release(t);
      else if (scopes.length === 0) register(t);
    }
    throw err;
  }
  scopes.pop();
  if (result instanceof Promise) {
    for (const t of scope) if (!t._kept) release(t);
    throw new SdartsError(
      'ERR_SDARTS_TIDY_ASYNC',
      'tidy() takes a synchronous function; it returned a Promise. Await outside tidy and make each step synchronous.',
    );
  }
  const out = new Set<Tracked>();
  collect(result, out);
  // Free the scope's tensors with one native call (scope tensors are never GC-registered).
  const dead = new Int32Array(scope.length);
  let n = 0;
  for (const t of scope) {
    if (t._h < 0) continue;
    if (t._kept || out.has(t)) {
      if (!t._kept) track(t);
      else if (scopes.length === 0) register(t);
    } else if (t._gc !== 0) {
      release(t);
    } else {
      dead[n++] = t._h;
      t._h = -1;
    }
  }
  if (n > 0) native().disposeMany(n === dead.length ? dead : dead.subarray(0, n));
  return result;
}

/** Live tensors and bytes per device, as counted by the native table (views share storage). */
export function memory(): { liveTensors: number; bytes: Record<string, number> } {
  return native().memory();
}

/** Depth of nested tidy scopes (0 outside any). */
export function scopeDepth(): number {
  return scopes.length;
}
