#!/usr/bin/env node
// Writes test/fixtures/run/legacy/<job>/: run directories of `sdarts search`, `sdarts train` and
// `sdarts nasbench search`, each SIGKILLed after a mid-epoch checkpoint, as the CLI of the commit that
// ran this script wrote them (recorded in legacy/VERSION). test/run/legacy-resume.test.ts resumes copies
// of them with the current code and checks they end bitwise equal to an uninterrupted run: checkpoints
// written by an earlier version must keep resuming.
//   npm run build:ts && node scripts/make-legacy-run-fixtures.mjs
import { spawn, execFileSync } from 'node:child_process';
import { mkdirSync, rmSync, writeFileSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';

const root = resolve(dirname(fileURLToPath(import.meta.url)), '..');
const out = join(root, 'test', 'fixtures', 'run', 'legacy');
const cli = join(root, 'dist', 'cli', 'main.js');
const COMMON = ['--dataset', 'fashion-mnist', '--batch-size', '32', '--threads', '1', '--json'];

/** The same arguments test/run/legacy-resume.test.ts uses for the uninterrupted reference run. */
export const LEGACY_JOBS = {
  search: {
    args: [
      'search',
      ...COMMON,
      '--space',
      's3',
      '--perturb',
      'random',
      '--layers',
      '3',
      '--init-channels',
      '4',
      '--limit-train',
      '256',
      '--seed',
      '3',
      '--epochs',
      '2',
      '--checkpoint-every',
      '2',
    ],
    killAt: [1, 3],
  },
  train: {
    args: [
      'train',
      ...COMMON,
      '--arch',
      'c10_s3_pgd',
      '--layers',
      '3',
      '--init-channels',
      '4',
      '--limit-train',
      '192',
      '--limit-test',
      '64',
      '--seed',
      '0',
      '--epochs',
      '2',
      '--checkpoint-every',
      '3',
    ],
    killAt: [1, 5],
  },
  'nasbench-search': {
    args: [
      'nasbench',
      'search',
      ...COMMON,
      '--space',
      '1',
      '--perturb',
      'pgd_linf',
      '--layers',
      '3',
      '--init-channels',
      '4',
      '--limit-train',
      '256',
      '--seed',
      '1',
      '--epochs',
      '2',
      '--checkpoint-every',
      '2',
    ],
    killAt: [1, 3],
  },
};

/**
 * Run the CLI and SIGKILL it at step `killAt` = [epoch, step].
 * @param {string[]} args
 * @param {number[]} killAt
 * @returns {Promise<void>}
 */
function runKilled(args, [epoch, step]) {
  return new Promise((res, rej) => {
    const child = spawn(process.execPath, [cli, ...args], { cwd: root });
    let buf = '';
    child.stdout.on('data', (d) => {
      buf += d.toString();
      let i;
      while ((i = buf.indexOf('\n')) >= 0) {
        const ev = JSON.parse(buf.slice(0, i));
        buf = buf.slice(i + 1);
        if (ev.type === 'step' && ev.epoch === epoch && ev.step === step) child.kill('SIGKILL');
      }
    });
    child.on('exit', (code, signal) => (signal === 'SIGKILL' ? res(undefined) : rej(new Error(`${args.join(' ')} ended with ${code ?? signal}, not killed`))));
  });
}

if (process.argv[1] === fileURLToPath(import.meta.url)) {
  rmSync(out, { recursive: true, force: true });
  mkdirSync(out, { recursive: true });
  for (const [name, job] of Object.entries(LEGACY_JOBS)) {
    await runKilled([...job.args, '--save', join(out, name)], job.killAt);
    rmSync(join(out, name, 'checkpoint.safetensors.tmp'), { force: true });
    console.log(`wrote ${join(out, name)}`);
  }
  const commit = execFileSync('git', ['rev-parse', 'HEAD'], { cwd: root, encoding: 'utf8' }).trim();
  writeFileSync(join(out, 'VERSION'), `${commit}\n`);
}
