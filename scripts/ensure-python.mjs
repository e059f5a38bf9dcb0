#!/usr/bin/env node
// `npm test` runs this first (pretest): the tests that prove interop with PyTorch and TensorBoard run
// the real Python libraries. Uses $SDARTS_PYTHON if set, else the project-local `.venv-py/`, creating
// it on demand (pip: the machine's local package index first, then the normal online install).
import { spawnSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';

const root = resolve(dirname(fileURLToPath(import.meta.url)), '..');
const PKGS = ['torch==2.13.0', 'safetensors', 'tensorboard', 'numpy'];
const CHECK = 'import torch, safetensors, tensorboard, numpy; print(torch.__version__)';

/** @param {string} python */
function works(python) {
  const r = spawnSync(python, ['-c', CHECK], { encoding: 'utf8' });
  return r.status === 0 ? r.stdout.trim() : null;
}

if (process.env.SDARTS_PYTHON) {
  const v = works(process.env.SDARTS_PYTHON);
  if (!v) {
    console.error(
      `SDARTS_PYTHON=${process.env.SDARTS_PYTHON} cannot import torch, safetensors, tensorboard and numpy. Install them there (pip install ${PKGS.join(' ')}) or unset SDARTS_PYTHON.`,
    );
    process.exit(1);
  }
  console.log(`sdarts tests: Python reference ${process.env.SDARTS_PYTHON} (torch ${v})`);
  process.exit(0);
}
const venv = join(root, '.venv-py');
const py = join(venv, 'bin', 'python');
let v = existsSync(py) ? works(py) : null;
if (!v) {
  console.log(`sdarts tests: creating ${venv} with ${PKGS.join(', ')} (one-time, ~30 s)`);
  if (!existsSync(py)) {
    const mk = spawnSync('python3', ['-m', 'venv', venv], { stdio: 'inherit' });
    if (mk.status !== 0) {
      console.error('python3 -m venv failed: install python3 (with venv), or set SDARTS_PYTHON to a Python with torch, safetensors, tensorboard.');
      process.exit(1);
    }
  }
  const pip = join(venv, 'bin', 'pip');
  const local = '/opt/pypi/simple';
  const attempts = existsSync(local) ? [['--index-url', `file://${local}`, ...(existsSync('/opt/wheels') ? ['--find-links', '/opt/wheels'] : [])], []] : [[]];
  for (const extra of attempts) {
    const r = spawnSync(pip, ['install', '-q', '--disable-pip-version-check', ...extra, ...PKGS], { stdio: ['ignore', 'inherit', 'pipe'], encoding: 'utf8' });
    if (r.status === 0) break;
  }
  v = works(py);
  if (!v) {
    console.error(`Could not install ${PKGS.join(' ')} into ${venv}. Install them yourself and set SDARTS_PYTHON.`);
    process.exit(1);
  }
}
console.log(`sdarts tests: Python reference ${py} (torch ${v})`);
