/** Shared pieces of the sweep tests: the tiny grid, the CLI, waiting, and reading runs back. */
import { spawn, spawnSync } from 'node:child_process';
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { readEvents } from '../../src/run/events-log.js';
import { CLI, ROOT } from '../e2e/cli.js';

/**
 * The proof's grid: spaces s2/s3 × perturb none/random × seeds 0/1 of tiny searches on the embedded
 * Fashion-MNIST subset (128 training images for w, 128 for α: 16 steps per epoch, 2 epochs, a checkpoint
 * every 4 steps), then a train stage for one cell (s3, random, seed 0) on the genotype it found.
 */
export const TINY_SEARCH = {
  dataset: 'fashion-mnist',
  layers: 1,
  'init-channels': 2,
  'batch-size': 8,
  'limit-train': 256,
  epochs: 2,
  threads: 1,
  'checkpoint-every': 4,
};
export const GRID_PLAN = {
  name: 'tiny',
  stages: [
    { name: 'search', command: 'search', options: TINY_SEARCH, grid: { space: ['s2', 's3'], perturb: ['none', 'random'], seed: [0, 1] } },
    {
      name: 'train',
      command: 'train',
      after: 'search',
      input: 'arch',
      where: { space: 's3', perturb: 'random', seed: 0 },
      options: { dataset: 'fashion-mnist', layers: 3, 'init-channels': 2, 'batch-size': 8, 'limit-train': 32, 'limit-test': 32, epochs: 1, threads: 1 },
    },
  ],
};
export const SEARCH_CELLS = ['s2', 's3'].flatMap((space) =>
  ['none', 'random'].flatMap((perturb) => [0, 1].map((seed) => `search/space-${space}_perturb-${perturb}_seed-${seed}`)),
);
export const TRAIN_CELL = 'train/space-s3_perturb-random_seed-0';

export type CliResult = { status: number | null; stdout: string; stderr: string };

export function sdarts(args: string[], env: NodeJS.ProcessEnv = process.env): CliResult {
  const r = spawnSync(process.execPath, [CLI, ...args], { encoding: 'utf8', cwd: ROOT, env, timeout: 300_000 });
  return { status: r.status, stdout: r.stdout, stderr: r.stderr };
}

export function sdartsAsync(args: string[], env: NodeJS.ProcessEnv = process.env): Promise<CliResult> {
  return new Promise((resolve) => {
    const child = spawn(process.execPath, [CLI, ...args], { cwd: ROOT, env });
    let stdout = '',
      stderr = '';
    child.stdout.on('data', (d: Buffer) => (stdout += d.toString()));
    child.stderr.on('data', (d: Buffer) => (stderr += d.toString()));
    child.on('exit', (status) => resolve({ status, stdout, stderr }));
  });
}

export const sleep = (ms: number): Promise<void> => new Promise((r) => setTimeout(r, ms));

/** Poll `cond` every `everyMs` until it returns a value (not undefined/false), or fail after `timeoutMs` naming `what`. */
export async function waitFor<T>(what: string, cond: () => T | undefined | false, timeoutMs: number, everyMs = 200): Promise<T> {
  const end = Date.now() + timeoutMs;
  for (;;) {
    const v = cond();
    if (v !== undefined && v !== false) return v;
    if (Date.now() > end) throw new Error(`timed out after ${timeoutMs / 1000} s waiting for ${what}`);
    await sleep(everyMs);
  }
}

export function eventsOf(dir: string): Record<string, unknown>[] {
  try {
    return readEvents(dir);
  } catch {
    return [];
  }
}

/** The final α of a search run (alphas.json's last epoch). */
export function finalAlphas(dir: string): unknown {
  const a = JSON.parse(readFileSync(join(dir, 'alphas.json'), 'utf8')) as { epochs: { alphas: unknown }[] };
  return a.epochs[a.epochs.length - 1]!.alphas;
}

/** The pid of the sdarts process running the run in `runDir` (its command line names the directory after --save or --resume). */
export function pidOfRun(runDir: string): number | undefined {
  for (const p of readdirSync('/proc')) {
    if (!/^\d+$/.test(p)) continue;
    let argv: string[];
    try {
      argv = readFileSync(`/proc/${p}/cmdline`, 'utf8').split('\0');
    } catch {
      continue;
    }
    const i = argv.findIndex((a) => a === '--save' || a === '--resume');
    if (i > 0 && argv[i + 1] === runDir && argv.some((a) => a.endsWith('main.js'))) return Number(p);
  }
  return undefined;
}

/** Mean and sample standard deviation (n − 1) as the docs define them (docs/sweep.md), in the given order. */
export function meanStd(xs: number[]): { mean: number; std: number | null; n: number } {
  const mean = xs.reduce((a, b) => a + b, 0) / xs.length;
  const std = xs.length > 1 ? Math.sqrt(xs.reduce((a, x) => a + (x - mean) ** 2, 0) / (xs.length - 1)) : null;
  return { mean, std, n: xs.length };
}
