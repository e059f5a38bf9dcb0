/**
 * The FinalizationRegistry safety net, exercised for real in a child process run with --expose-gc:
 * tensors dropped outside every scope are freed once the event loop turns and GC runs; a disposed
 * tensor's finalizer never frees the tensor that reused its handle (registered or still waiting).
 */
import { spawnSync } from 'node:child_process';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';

const ROOT = join(__dirname, '..', '..');
const SCRIPT = `
const { ones, memory } = await import(${JSON.stringify(join(ROOT, 'dist', 'index.js'))});
const turn = () => new Promise((r) => setImmediate(r));
async function collect(until) {
  for (let k = 0; k < 50 && !until(); k++) { await turn(); globalThis.gc(); await new Promise((r) => setTimeout(r, 5)); }
}
const out = {};
const base = memory().liveTensors;
(() => { for (let i = 0; i < 100; i++) ones([1000]); })();           // dropped, never disposed
out.created = memory().liveTensors - base;
await collect(() => memory().liveTensors === base);
out.afterGc = memory().liveTensors - base;

// Registered, then disposed; its handle is reused by u; the dead object is collected: u must survive.
let t = ones([3]);
await turn(); await turn();                                           // t is now registered
const h = t._h; t.dispose();
const u = ones([3]);
out.reusedRegistered = u._h === h;
t = null;
await collect(() => false);
out.uAfterRegistered = u.sum().item();

// Disposed while still waiting for registration; handle reused by v; collected: v must survive.
let s = ones([2]);
const hs = s._h; s.dispose();
const v = ones([2]);
out.reusedPending = v._h === hs;
s = null;
await collect(() => false);
out.vAfterPending = v.sum().item();
console.log(JSON.stringify(out));
`;

describe('GC safety net', () => {
  it('frees dropped tensors after GC, and never frees a tensor that reused a disposed handle', () => {
    const r = spawnSync(process.execPath, ['--expose-gc', '--input-type=module', '-e', SCRIPT], { encoding: 'utf8', cwd: ROOT, timeout: 60_000 });
    expect(r.stderr.replace(/\[W[^\n]*NNPACK[^\n]*\n/g, '')).toBe('');
    expect(r.status).toBe(0);
    const out = JSON.parse(r.stdout.trim().split('\n').pop()!);
    expect(out).toEqual({ created: 100, afterGc: 0, reusedRegistered: true, uAfterRegistered: 3, reusedPending: true, vAfterPending: 2 });
  });
});
