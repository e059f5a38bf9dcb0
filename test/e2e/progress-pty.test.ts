/**
 * The terminal never goes blind (issue 14): the real CLI in a pseudo-terminal (util-linux `script`), a tiny
 * search with the analysis every epoch. The captured screen shows, in order, the startup phase, the first
 * step, train progress, the validation pass with its batches, the Hessian analysis, a checkpoint write and
 * the epoch summary; and the screen is updated at least every few seconds (a liveness bound, generous so
 * that a loaded machine passes: each step of this search takes well under a second).
 */
import { spawn } from 'node:child_process';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { CLI, ROOT } from './cli.js';

/** Run `args` under `script` and collect its output with the time (ms) each chunk arrived. */
function inPty(args: string[]): Promise<{ code: number | null; chunks: { t: number; text: string }[] }> {
  return new Promise((resolve) => {
    // A wide screen: the status line is cut to the terminal's width.
    const cmd = `stty cols 200; ${[process.execPath, CLI, ...args].join(' ')}`;
    const child = spawn('script', ['-qfec', cmd, '/dev/null'], { cwd: ROOT });
    const chunks: { t: number; text: string }[] = [];
    child.stdout.on('data', (d: Buffer) => chunks.push({ t: Date.now(), text: d.toString() }));
    child.on('exit', (code) => resolve({ code, chunks }));
  });
}

describe('progress display in a real terminal', () => {
  it('shows every phase of a tiny search, in order, and never stays silent for long', async () => {
    const dir = join(mkdtempSync(join(tmpdir(), 'sdarts-pty-')), 'run');
    const tiny = ['--dataset', 'fashion-mnist', '--layers', '2', '--init-channels', '4', '--batch-size', '16', '--limit-train', '64'];
    const r = await inPty(['search', ...tiny, '--epochs', '2', '--analyze-every', '1', '--threads', '1', '--save', dir]);
    expect(r.code).toBe(0);
    const screen = r.chunks.map((c) => c.text).join('');
    // Each status frame starts with CR + erase-line; printed lines end in a newline.
    // eslint-disable-next-line no-control-regex -- the status line is redrawn with ESC[2K
    const frames = screen.split(/\r\x1b\[2K|\r?\n/).filter((f) => f.trim() !== '');
    const at = (re: RegExp, from = 0): number => {
      const i = frames.findIndex((f, k) => k >= from && re.test(f));
      expect(i, `no frame after #${from} matches ${re}`).toBeGreaterThanOrEqual(0);
      return i;
    };
    const startup = at(/starting: loading the data and building the model/);
    const runDir = at(new RegExp(`^run dir: ${dir}`), startup);
    const first = at(/^epoch 1\/2 . first step/, runDir);
    const train = at(/^epoch 1\/2 █+░* 1\/2 {2}loss \d+\.\d{4} {2}acc [\d.]+% {2}[\d.]+s\/step {2}ETA ≥?\d\d:\d\d$/, first);
    const validation = at(/^epoch 1\/2 . validation pass/, train);
    const validBatch = at(/^epoch 1\/2 . validation pass {2}(batch 1|1\/\d+ batches)/, validation);
    const analysis = at(/^epoch 1\/2 . Hessian analysis/, validBatch);
    const summary = at(/^epoch 1\/2: train acc [\d.]+% {2}valid acc [\d.]+% {2}loss [\d.]+ {2}λmax [\d.e+-]+ {2}\([\d.]+ s\)$/, analysis);
    const checkpoint = at(/^epoch 1\/2 . writing checkpoint {2}written \(epoch 1, step 0\)/, summary);
    // The second epoch's ETA includes the validation/analysis time measured in the first: no '≥'.
    at(/^epoch 2\/2 █+░* 1\/2 .* ETA \d\d:\d\d$/, checkpoint);
    expect(frames.at(-1)).toBe(`run directory: ${dir}`);
    const gaps = r.chunks.slice(1).map((c, i) => c.t - r.chunks[i]!.t);
    expect(Math.max(...gaps)).toBeLessThan(5000);
  });
});
