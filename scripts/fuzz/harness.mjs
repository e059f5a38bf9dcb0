/**
 * The fuzz harness: runs each target's inputs in batches, each batch in a fresh child process (a pool of
 * `jobs`), with a per-input time bound. A child that stops reporting for longer than the bound is killed
 * and the input counted as a hang; a child that dies is a crash; either way the batch goes on in a new
 * child from the next input. Children run under an address-space limit so a runaway allocation fails
 * (or kills the child) instead of the machine.
 */
import { spawn } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

/** @typedef {import('./worker.mjs').WorkerMessage} WorkerMessage */
/**
 * The counts for one target.
 * @typedef {object} Stats
 * @property {number} inputs
 * @property {number} clean
 * @property {number} rejected
 * @property {number} accepted
 * @property {number} wrong
 * @property {number} hangs
 * @property {number} crashes
 * @property {number} peakRss bytes
 * @property {Map<string, { count: number, inputs: number[] }>} wrongKinds by error signature
 * @property {{ kind: 'hang' | 'crash', input: number, how: string }[]} failures
 * @property {string} [setupError] set when the target's setup failed
 */
/**
 * @typedef {object} Options
 * @property {number} seed
 * @property {number} jobs
 * @property {number} batch inputs per child
 * @property {number} timeMs
 * @property {number} setupMs
 * @property {number} memLimitKb
 * @property {(target: string, stats: Stats) => void} [onProgress]
 */

const WORKER = fileURLToPath(new URL('./worker.mjs', import.meta.url));

export const DEFAULT_TARGETS = [
  'tfrecord',
  'nasbench-row',
  'index-cache',
  'safetensors',
  'checkpoint',
  'pickle',
  'cifar',
  'svhn',
  'idx',
  'ptb',
  'genotype',
  'config',
  'native',
];

/** @returns {Stats} */
function emptyStats() {
  return { inputs: 0, clean: 0, rejected: 0, accepted: 0, wrong: 0, hangs: 0, crashes: 0, peakRss: 0, wrongKinds: new Map(), failures: [] };
}

/**
 * Run inputs [from, to) of `target` in children until all are accounted for.
 * @param {Options} o
 * @param {string} target
 * @param {number} from
 * @param {number} to
 * @param {Stats} st
 * @returns {Promise<void>}
 */
function runBatch(o, target, from, to, st) {
  const scratch = mkdtempSync(join(tmpdir(), 'sdarts-fuzz-'));
  return new Promise((res) => {
    const resolve = () => {
      rmSync(scratch, { recursive: true, force: true });
      res();
    };
    let next = from;
    const launch = () => {
      if (next >= to) return resolve();
      const startAt = next;
      const child = spawn(
        '/bin/sh',
        ['-c', `ulimit -v ${o.memLimitKb} 2>/dev/null; exec "$0" "$@"`, process.execPath, WORKER, target, String(o.seed), String(startAt), String(to)],
        // A scratch working directory: malformed calls may write files under relative names.
        { stdio: ['ignore', 'ignore', 'pipe', 'ipc'], cwd: scratch },
      );
      let stderr = '';
      child.stderr?.on('data', (/** @type {Buffer} */ d) => {
        stderr = (stderr + d.toString()).slice(-2000);
      });
      /** @type {NodeJS.Timeout | undefined} */
      let timer;
      let hung = false,
        done = false;
      const arm = (/** @type {number} */ ms) => {
        clearTimeout(timer);
        timer = setTimeout(() => {
          hung = true;
          child.kill('SIGKILL');
        }, ms);
      };
      arm(o.setupMs);
      child.on('message', (msg) => {
        const m = /** @type {WorkerMessage} */ (msg);
        if (m.type === 'ready') arm(o.timeMs);
        else if (m.type === 'result') {
          arm(o.timeMs);
          next = m.i + 1;
          st.inputs++;
          if (m.kind === 'accepted') st.accepted++;
          else if (m.kind === 'clean') {
            if (m.code === 'rejected') st.rejected++;
            else st.clean++;
          } else {
            st.wrong++;
            const w = st.wrongKinds.get(m.signature) ?? { count: 0, inputs: [] };
            w.count++;
            if (w.inputs.length < 3) w.inputs.push(m.i);
            st.wrongKinds.set(m.signature, w);
          }
        } else if (m.type === 'done') {
          done = true;
          st.peakRss = Math.max(st.peakRss, m.rss);
        }
      });
      child.on('exit', (code, signal) => {
        clearTimeout(timer);
        if (done && next >= to) return resolve();
        if (next === startAt && !hung && code !== null && code !== 0 && /Error/.test(stderr) && !/Abort|Segmentation|terminate/.test(stderr)) {
          // The target's setup failed (not an input): give up on this target's batch, loudly.
          st.setupError = stderr.trim().split('\n').slice(-5).join(' | ');
          return resolve();
        }
        st.inputs++;
        if (hung) st.hangs++;
        else st.crashes++;
        st.failures.push({
          kind: hung ? 'hang' : 'crash',
          input: next,
          how: hung ? `> ${o.timeMs} ms` : `${signal ?? `exit ${code}`}: ${stderr.trim().split('\n').slice(-2).join(' | ').slice(0, 200)}`,
        });
        next++;
        launch();
      });
    };
    launch();
  });
}

/**
 * Run `perTarget[target]` inputs per target. Options: seed, jobs, batch (inputs per child), timeMs,
 * setupMs, memLimitKb, onProgress(target, stats).
 * @param {Record<string, number>} perTarget
 * @param {Partial<Options>} [options]
 * @returns {Promise<Record<string, Stats>>}
 */
export async function fuzz(perTarget, options = {}) {
  const o = { seed: 1, jobs: 2, batch: 2000, timeMs: 5000, setupMs: 60000, memLimitKb: 8 * 1024 * 1024, ...options };
  const stats = Object.fromEntries(Object.keys(perTarget).map((t) => [t, emptyStats()]));
  /** @type {[string, number, number][]} */
  const queue = [];
  for (const [t, n] of Object.entries(perTarget)) for (let f = 0; f < n; f += o.batch) queue.push([t, f, Math.min(n, f + o.batch)]);
  const pool = Array.from({ length: Math.min(o.jobs, queue.length) }, async () => {
    while (queue.length) {
      const [t, f, to] = /** @type {[string, number, number]} */ (queue.shift());
      await runBatch(o, t, f, to, stats[t]);
      o.onProgress?.(t, stats[t]);
    }
  });
  await Promise.all(pool);
  return stats;
}

/**
 * @param {Record<string, Stats>} stats
 * @returns {string}
 */
export function formatTable(stats) {
  const cols = ['reader', 'inputs', 'clean', 'rejected', 'accepted', 'wrong-kind', 'hangs', 'crashes', 'peak RSS MiB'];
  const rows = Object.entries(stats).map(([t, s]) =>
    [t, s.inputs, s.clean, s.rejected, s.accepted, s.wrong, s.hangs, s.crashes, (s.peakRss / 2 ** 20).toFixed(0)].map(String),
  );
  const tot = ['TOTAL', ...[1, 2, 3, 4, 5, 6, 7].map((c) => String(rows.reduce((a, r) => a + Number(r[c]), 0))), ''];
  const all = [cols, ...rows, tot];
  const w = cols.map((_, c) => Math.max(...all.map((r) => r[c].length)));
  const line = (/** @type {string[]} */ r) => r.map((x, c) => (c === 0 ? x.padEnd(w[c]) : x.padStart(w[c]))).join('  ');
  const out = [line(cols), ...rows.map(line), line(tot)];
  for (const [t, s] of Object.entries(stats)) {
    if (s.setupError) out.push(`${t}: SETUP FAILED: ${s.setupError}`);
    for (const [sig, w2] of s.wrongKinds) out.push(`${t}: wrong-kind ×${w2.count} (inputs ${w2.inputs.join(', ')}): ${sig}`);
    for (const f of s.failures.slice(0, 5)) out.push(`${t}: ${f.kind} at input ${f.input}: ${f.how}`);
    if (s.failures.length > 5) out.push(`${t}: … ${s.failures.length - 5} more hangs/crashes`);
  }
  return out.join('\n');
}
