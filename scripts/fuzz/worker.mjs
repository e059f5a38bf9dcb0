/**
 * A fuzz worker (a child process): runs inputs [from, to) of one target and reports each outcome to the
 * parent over IPC as soon as it is known, so that a hang or a crash is pinned to the next input.
 * Outcomes: accepted, clean (an error with a catalogued usage/data code), wrong (anything else).
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { rng, inputSeed } from './mutate.mjs';
import { TARGETS } from './targets.mjs';

/**
 * What became of one input: accepted, rejected with a catalogued usage/data code, or anything else.
 * @typedef {{ kind: 'accepted' } | { kind: 'clean', code: string } | { kind: 'wrong', signature: string }} Outcome
 */
/**
 * A report to the parent (scripts/fuzz/harness.mjs) over IPC.
 * @typedef {{ type: 'ready' } | ({ type: 'result', i: number } & Outcome) | { type: 'done', rss: number }} WorkerMessage
 */

/** @type {{ ERROR_CODES: Record<string, { class: string } | undefined> }} */
const { ERROR_CODES } = await import(new URL('../../dist/util/error-codes.js', import.meta.url).href);

/**
 * @param {unknown} err
 * @returns {Outcome}
 */
export function classify(err) {
  const code = err !== null && typeof err === 'object' ? /** @type {{ code?: unknown }} */ (err).code : undefined;
  const info = typeof code === 'string' ? ERROR_CODES[code] : undefined;
  if (typeof code === 'string' && info && (info.class === 'data' || info.class === 'usage')) return { kind: 'clean', code };
  const name = err instanceof Error ? err.name : typeof err;
  const msg = err instanceof Error ? err.message : String(err);
  return { kind: 'wrong', signature: `${name}${code ? ` [${code}]` : ''}: ${msg.replace(/\s+/g, ' ').slice(0, 160)}` };
}

const [target, seedArg, fromArg, toArg] = process.argv.slice(2);
const seed = Number(seedArg),
  from = Number(fromArg),
  to = Number(toArg);
const tmp = mkdtempSync(join(tmpdir(), `sdarts-fuzz-${target}-`));
/**
 * @param {WorkerMessage} m
 * @returns {Promise<void>}
 */
const send = (m) =>
  new Promise((res) => {
    if (!process.send) throw new Error('the fuzz worker runs as a child of scripts/fuzz/harness.mjs (no IPC channel)');
    process.send(m, () => res());
  });
try {
  const t = await TARGETS[target]({ tmp });
  await send({ type: 'ready' });
  for (let i = from; i < to; i++) {
    const r = rng(inputSeed(seed, target, i));
    const s = t.seeds[r.int(t.seeds.length)];
    /** @type {Outcome} */
    let outcome;
    try {
      const b = t.mutate(s, r);
      const res = t.run(b, s, r);
      outcome = res === 'rejected' ? { kind: 'clean', code: 'rejected' } : { kind: 'accepted' };
    } catch (err) {
      outcome = classify(err);
    }
    // Each outcome is reported (and flushed) before the next input starts: the parent's timer restarts
    // on each report, and a crash or hang is the input after the last one reported.
    await send({ type: 'result', i, ...outcome });
  }
  await send({ type: 'done', rss: process.resourceUsage().maxRSS * 1024 });
} finally {
  rmSync(tmp, { recursive: true, force: true });
}
process.exit(0);
