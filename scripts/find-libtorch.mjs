#!/usr/bin/env node
// Locate LibTorch for the native build, in this order:
//   1. LIBTORCH=/path   (an unpacked LibTorch archive, or a torch package folder)
//   2. TORCH_PYTHON, else python3, with a findable `torch` package (a user's PyTorch, CUDA builds included)
//   3. a project-local venv `.libtorch/` created on demand: pip's offline mode first (local wheels),
//      then the normal online install (which gives a CUDA user the CUDA wheel).
// Usage as a script: `node scripts/find-libtorch.mjs --root` prints the root (used by binding.gyp).
import { execFileSync, spawnSync } from 'node:child_process';
import { existsSync, readFileSync, readdirSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';

export const MIN_TORCH = [2, 1];
export const PINNED_TORCH = '2.13.0';
const projectRoot = resolve(dirname(fileURLToPath(import.meta.url)), '..');

/** @param {string} msg @returns {never} */
function fail(msg) {
  const err = /** @type {Error & { code?: string }} */ (new Error(msg));
  err.code = 'ERR_SDARTS_LIBTORCH';
  throw err;
}

/** Version of a LibTorch root from its CMake package file, e.g. "2.13.0". @param {string} root @returns {string | null} */
export function torchVersionAt(root) {
  const f = join(root, 'share', 'cmake', 'Torch', 'TorchConfigVersion.cmake');
  if (!existsSync(f)) return null;
  const m = /set\(PACKAGE_VERSION "([^"]+)"\)/.exec(readFileSync(f, 'utf8'));
  return m ? m[1] : null;
}

/** @param {string} root */
function isCudaBuild(root) {
  const lib = join(root, 'lib');
  return existsSync(lib) && readdirSync(lib).some((f) => f.startsWith('libtorch_cuda') || f.startsWith('libc10_cuda'));
}

/** @param {string} root @param {string} source */
function checkRoot(root, source) {
  if (!existsSync(join(root, 'share', 'cmake', 'Torch'))) {
    fail(
      `LibTorch from ${source} at ${root} has no share/cmake/Torch. Point LIBTORCH at an unpacked LibTorch archive or a torch package folder (the one containing include/, lib/ and share/).`,
    );
  }
  if (!existsSync(join(root, 'include', 'ATen')) || !existsSync(join(root, 'lib'))) {
    fail(`LibTorch from ${source} at ${root} is incomplete (include/ATen or lib/ missing). Reinstall it, or set LIBTORCH to a complete install.`);
  }
  const version = torchVersionAt(root);
  if (!version) fail(`Cannot read the LibTorch version at ${root} (share/cmake/Torch/TorchConfigVersion.cmake). Set LIBTORCH to a complete install.`);
  const [maj, min] = version.split('.').map((x) => parseInt(x, 10));
  if (maj < MIN_TORCH[0] || (maj === MIN_TORCH[0] && min < MIN_TORCH[1])) {
    fail(
      `LibTorch ${version} from ${source} (${root}) is older than the supported minimum ${MIN_TORCH.join('.')}. Install torch>=${MIN_TORCH.join('.')} (e.g. pip install torch==${PINNED_TORCH}), or unset LIBTORCH/TORCH_PYTHON to let the build create a local one.`,
    );
  }
  return { root, version, source, cuda: isCudaBuild(root) };
}

/** @param {string} python */
function torchFromPython(python) {
  const code = "import importlib.util,os;s=importlib.util.find_spec('torch');print(os.path.dirname(s.origin) if s and s.origin else '')";
  const r = spawnSync(python, ['-c', code], { encoding: 'utf8' });
  if (r.error || r.status !== 0) return null;
  const p = r.stdout.trim();
  return p && existsSync(p) ? p : null;
}

function localVenvTorch() {
  const lib = join(projectRoot, '.libtorch', 'lib');
  if (!existsSync(lib)) return null;
  for (const py of readdirSync(lib)) {
    const p = join(lib, py, 'site-packages', 'torch');
    if (existsSync(join(p, 'share', 'cmake', 'Torch'))) return p;
  }
  return null;
}

/** @param {(msg: string) => void} log */
function createLocalVenv(log) {
  const venv = join(projectRoot, '.libtorch');
  const python = process.env.TORCH_PYTHON || 'python3';
  log(`sdarts: no LibTorch found; creating ${venv} with torch==${PINNED_TORCH} (pip, --no-deps)`);
  if (!existsSync(join(venv, 'bin', 'pip'))) execFileSync(python, ['-m', 'venv', venv], { stdio: 'inherit' });
  const pip = join(venv, 'bin', 'pip');
  const offline = spawnSync(pip, ['install', '--no-index', '--no-deps', '-q', `torch==${PINNED_TORCH}`], { stdio: 'inherit' });
  if (offline.status !== 0) {
    log('sdarts: offline wheel not available; trying the online install');
    const online = spawnSync(pip, ['install', '--no-deps', '-q', `torch==${PINNED_TORCH}`], { stdio: 'inherit' });
    if (online.status !== 0)
      fail(`pip could not install torch==${PINNED_TORCH} into ${venv}. Install PyTorch yourself and set TORCH_PYTHON, or set LIBTORCH=/path/to/libtorch.`);
  }
  return localVenvTorch();
}

/** @param {{ log?: (msg: string) => void, create?: boolean }} [options] */
export function locateLibTorch({ log = console.log, create = true } = {}) {
  if (process.env.LIBTORCH) {
    const root = resolve(process.env.LIBTORCH);
    if (!existsSync(root)) fail(`LIBTORCH=${process.env.LIBTORCH} does not exist. Unset it, or point it at an unpacked LibTorch archive.`);
    return checkRoot(root, 'LIBTORCH');
  }
  const pythons = process.env.TORCH_PYTHON ? [process.env.TORCH_PYTHON] : ['python3'];
  for (const py of pythons) {
    const p = torchFromPython(py);
    if (p) return checkRoot(p, `${py} (torch package)`);
    if (process.env.TORCH_PYTHON) fail(`TORCH_PYTHON=${py} has no findable torch package. Install torch there, or unset TORCH_PYTHON.`);
  }
  const local = localVenvTorch();
  if (local) return checkRoot(local, 'project-local .libtorch');
  if (!create) fail('LibTorch not found (LIBTORCH, TORCH_PYTHON/python3 torch, .libtorch). Run `npm install`.');
  const made = createLocalVenv(log);
  if (!made) fail('pip installed torch but its package folder was not found in .libtorch.');
  return checkRoot(made, 'project-local .libtorch (created)');
}

if (process.argv[1] && resolve(process.argv[1]) === fileURLToPath(import.meta.url)) {
  const info = locateLibTorch({ log: (m) => process.stderr.write(m + '\n') });
  if (process.argv.includes('--root')) process.stdout.write(info.root);
  else process.stdout.write(JSON.stringify(info, null, 2) + '\n');
}
