/**
 * `sdarts doctor`: what this installation runs on, and how to fix what is broken. Each check is one
 * line (ok, warn or fail) with, where something is wrong, one line saying what to do. A `fail` is
 * something a search needs (the addon, LibTorch, matching versions and ABI): the command then exits 1.
 * Facts come from the addon (`buildInfo`, CUDA queries, threads), the build record
 * (build/libtorch.json, written by scripts/build-native.mjs), the libraries the process actually
 * mapped (/proc/self/maps) and the LibTorch files beside them.
 */
import { spawnSync } from 'node:child_process';
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { availableParallelism } from 'node:os';
import { basename, dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { buildInfo, cuda, getNumThreads } from '../tensor/index.js';
import { elfRunPath } from './doctor-elf.js';

export type CheckStatus = 'ok' | 'warn' | 'fail';

export interface Check {
  name: string;
  status: CheckStatus;
  detail: string;
  /** What to do (absent when ok). */
  fix?: string;
  facts?: Record<string, unknown>;
}

export interface DoctorReport {
  ok: boolean;
  checks: Check[];
}

/** The project root: dist/cli → ../.. (and src/cli the same). */
const ROOT = resolve(dirname(fileURLToPath(import.meta.url)), '..', '..');
const ADDON = join(ROOT, 'build', 'Release', 'sdarts_native.node');
const MIN_NODE = [20, 17];

function readText(path: string): string | null {
  try {
    return readFileSync(path, 'utf8');
  } catch {
    return null;
  }
}

/** A LibTorch root's version: share/cmake/Torch/TorchConfigVersion.cmake (archives and wheels), else torch/version.py. */
export function torchVersionAt(root: string): string | null {
  const cmake = readText(join(root, 'share', 'cmake', 'Torch', 'TorchConfigVersion.cmake'));
  const m = cmake && /set\(PACKAGE_VERSION "([^"]+)"\)/.exec(cmake);
  if (m) return m[1]!;
  const py = readText(join(root, 'version.py'));
  const v = py && /__version__\s*=\s*'([^']+)'/.exec(py);
  return v ? v[1]!.replace(/\+.*$/, '') : null;
}

/**
 * The CUDA version a LibTorch was built with: `cuda = '12.8'` in a torch package's version.py, else the
 * `+cu128` of an archive's build-version file. null for CPU builds.
 */
export function cudaVersionAt(root: string): string | null {
  const py = readText(join(root, 'version.py'));
  const m = py && /^cuda\b[^=\n]*=\s*'([^']+)'/m.exec(py);
  if (m) return m[1]!;
  const cu = /\+cu(\d+)(\d)\b/.exec(readText(join(root, 'build-version')) ?? '');
  return cu ? `${cu[1]}.${cu[2]}` : null;
}

/**
 * The cuDNN beside a LibTorch: the versioned libcudnn.so.X.Y.Z an archive ships in lib/, else the
 * nvidia-cudnn wheel a CUDA torch package depends on (its .dist-info folder next to torch/).
 */
export function cudnnVersionAt(root: string): string | null {
  const list = (d: string): string[] => (existsSync(d) ? readdirSync(d) : []);
  const lib = list(join(root, 'lib'))
    .map((f) => /^libcudnn\.so\.(\d+(?:\.\d+)*)$/.exec(f)?.[1])
    .filter((v): v is string => v !== undefined)
    .sort((a, b) => b.length - a.length)[0];
  if (lib) return lib;
  const wheel = list(dirname(root))
    .map((f) => /^nvidia_cudnn_cu\d+-([\d.]+)\.dist-info$/.exec(f)?.[1])
    .find((v) => v !== undefined);
  return wheel ?? null;
}

/** Shared libraries this process has mapped, by file name. */
function mappedLibraries(): Map<string, string> {
  const out = new Map<string, string>();
  for (const line of (readText('/proc/self/maps') ?? '').split('\n')) {
    const path = line.slice(line.indexOf('/'));
    if (line.includes('/') && /\.so(\.|$)/.test(path)) out.set(basename(path), path);
  }
  return out;
}

const majorMinor = (v: string | null): string => (v ?? '').split('.').slice(0, 2).join('.');

function nodeCheck(): Check {
  const [maj, min] = process.versions.node.split('.').map(Number) as [number, number];
  const ok = maj > MIN_NODE[0]! || (maj === MIN_NODE[0] && min >= MIN_NODE[1]!);
  return ok
    ? { name: 'Node.js', status: 'ok', detail: `${process.version} (N-API ${process.versions.napi})` }
    : {
        name: 'Node.js',
        status: 'fail',
        detail: `${process.version} is older than ${MIN_NODE.join('.')}`,
        fix: `Install Node.js ${MIN_NODE.join('.')} or newer (package.json engines).`,
      };
}

interface BuildRecord {
  root?: string;
  version?: string;
  source?: string;
  cuda?: boolean;
  builder?: string;
}

function builtAgainst(): { root: string | null; record: BuildRecord | null } {
  const text = readText(join(ROOT, 'build', 'libtorch.json'));
  let record: BuildRecord | null = null;
  try {
    record = text ? (JSON.parse(text) as BuildRecord) : null;
  } catch {
    record = null;
  }
  const rpath = elfRunPath(ADDON)?.split(':')[0] ?? null;
  const root = record?.root ?? (rpath ? resolve(rpath, '..') : null);
  return { root, record };
}

/** Everything that needs the addon loaded: build, loaded LibTorch, ABI, CUDA, threads. */
function addonChecks(): Check[] {
  const checks: Check[] = [];
  const built = builtAgainst();
  if (!existsSync(ADDON)) {
    return [
      { name: 'native addon', status: 'fail', detail: `not built: ${ADDON} is missing`, fix: `Build it: \`npm install\` (or \`npm run build\`) in ${ROOT}.` },
    ];
  }
  let info: ReturnType<typeof buildInfo>;
  try {
    info = buildInfo();
  } catch (err) {
    const msg = (err as Error).message;
    const libtorchGone = /libtorch|libc10|cannot open shared object/.test(msg);
    return [
      {
        name: 'native addon',
        status: 'fail',
        detail: `${ADDON} does not load: ${msg.split('\n')[0]}`,
        fix: libtorchGone
          ? `LibTorch is not where the addon was built against (${built.root ?? 'unknown'}): reinstall it there, or rebuild against the one you have with \`rm -rf build && npm install\` (LIBTORCH=/path/to/libtorch to choose it).`
          : msg.split('\n').slice(1).join(' ') || 'Rebuild it: `rm -rf build && npm install`.',
      },
    ];
  }
  checks.push({
    name: 'native addon',
    status: 'ok',
    detail: `${ADDON} (N-API ${info.napiVersion}${built.record?.builder ? `, built by ${built.record.builder}` : ''})`,
  });
  checks.push({
    name: 'LibTorch built against',
    status: 'ok',
    detail: `${info.torchVersion}, ${info.cudaBuild ? 'CUDA' : 'CPU'} build, at ${built.root ?? 'an unrecorded path'}${built.record?.source ? ` (from ${built.record.source})` : ''}`,
    facts: { version: info.torchVersion, cudaBuild: info.cudaBuild, root: built.root },
  });

  const libs = mappedLibraries();
  const cpuLib = libs.get('libtorch_cpu.so');
  if (!cpuLib) {
    checks.push({ name: 'LibTorch loaded', status: 'warn', detail: 'cannot tell which libtorch_cpu.so is mapped (no /proc/self/maps on this system)' });
  } else {
    const root = resolve(dirname(cpuLib), '..');
    const version = torchVersionAt(root);
    const same = majorMinor(version) === majorMinor(info.torchVersion);
    checks.push({
      name: 'LibTorch loaded',
      status: same ? 'ok' : 'fail',
      detail: `${version ?? 'unknown version'} from ${dirname(cpuLib)}`,
      ...(same
        ? {}
        : {
            fix: `The addon was compiled against LibTorch ${info.torchVersion} but loads ${version ?? 'another version'}: rebuild with \`rm -rf build && npm install\`, or restore LibTorch ${info.torchVersion}.`,
          }),
      facts: { version, root, library: cpuLib },
    });
    const c10 = libs.get('libc10.so');
    const abi = (file: string | undefined): number | null => {
      if (!file) return null;
      try {
        return readFileSync(file).includes('__cxx11') ? 1 : 0;
      } catch {
        return null;
      }
    };
    const lib = abi(c10),
      addon = abi(ADDON);
    if (lib !== null && addon !== null)
      checks.push({
        name: 'C++ ABI',
        status: lib === addon ? 'ok' : 'fail',
        detail: `_GLIBCXX_USE_CXX11_ABI=${lib} in LibTorch (libc10.so), ${addon} in the addon`,
        ...(lib === addon
          ? {}
          : { fix: 'Rebuild the addon against this LibTorch: `rm -rf build && npm install` (the build takes the ABI from TorchConfig.cmake).' }),
        facts: { libtorch: lib, addon },
      });
  }

  if (!info.cudaBuild) {
    checks.push({
      name: 'CUDA',
      status: 'ok',
      detail: 'not compiled in (CPU LibTorch): --device cpu only',
      facts: { build: false, available: false, devices: 0 },
    });
  } else {
    const available = cuda.isAvailable();
    const n = available ? cuda.deviceCount() : 0;
    const gpus = gpuNames();
    const root = cpuLib ? resolve(dirname(cpuLib), '..') : built.root;
    const version = root ? cudaVersionAt(root) : null;
    const cudnn = root ? cudnnVersionAt(root) : null;
    const runtime = [...libs.keys()].filter((l) => /^lib(cudart|cudnn)\.so/.test(l)).join(', ');
    checks.push({
      name: 'CUDA',
      status: available ? 'ok' : 'warn',
      detail: available
        ? `${n} device${n === 1 ? '' : 's'}${gpus.length ? `: ${gpus.join('; ')}` : ''}${version ? `, CUDA ${version}` : ''}${cudnn ? `, cuDNN ${cudnn}` : ''}${runtime ? ` (${runtime})` : ''}`
        : 'CUDA LibTorch, but no usable GPU (driver missing or no device)',
      ...(available ? {} : { fix: 'Install the NVIDIA driver (nvidia-smi must list the GPU), or run with --device cpu.' }),
      facts: { build: true, available, devices: n, gpus, cuda: version, cudnn },
    });
  }

  const threads = getNumThreads(),
    cpus = availableParallelism();
  const omp = process.env['OMP_NUM_THREADS'];
  checks.push({
    name: 'threads',
    status: threads > cpus ? 'warn' : 'ok',
    detail: `LibTorch intra-op ${threads}, ${cpus} CPU${cpus === 1 ? '' : 's'} available${omp ? `, OMP_NUM_THREADS=${omp}` : ''}`,
    ...(threads > cpus ? { fix: `More threads than CPUs slows every op: pass --threads ${cpus} (or set OMP_NUM_THREADS=${cpus}).` } : {}),
    facts: { intraOp: threads, cpus, ompNumThreads: omp ?? null },
  });
  return checks;
}

/** GPU names from the NVIDIA driver's /proc files, else `nvidia-smi -L`. */
function gpuNames(): string[] {
  const dir = '/proc/driver/nvidia/gpus';
  if (existsSync(dir))
    return readdirSync(dir)
      .sort()
      .map((d) => /Model:\s*(.+)/.exec(readText(join(dir, d, 'information')) ?? '')?.[1]?.trim() ?? d);
  const smi = spawnSync('nvidia-smi', ['-L'], { encoding: 'utf8', timeout: 20_000 });
  return smi.status === 0 ? smi.stdout.split('\n').filter((l) => l.startsWith('GPU ')) : [];
}

function allocatorCheck(): Check {
  const glibc = (process.report?.getReport() as { header?: { glibcVersionRuntime?: string } } | undefined)?.header?.glibcVersionRuntime;
  const off = process.env['SDARTS_MALLOC_TUNING'] === '0';
  if (!glibc) return { name: 'allocator tuning', status: 'ok', detail: 'not applicable (not glibc): the system allocator as it is' };
  return off
    ? {
        name: 'allocator tuning',
        status: 'warn',
        detail: `off (SDARTS_MALLOC_TUNING=0; glibc ${glibc})`,
        fix: 'Unset SDARTS_MALLOC_TUNING: without it CPU search steps page-fault their tensors back in (measured 2x slower).',
      }
    : {
        name: 'allocator tuning',
        status: 'ok',
        detail: `on (glibc ${glibc}: mmap threshold 256 MiB, trim threshold 1 GiB; SDARTS_MALLOC_TUNING=0 turns it off)`,
      };
}

/** The Python the interop tests use (test/helpers/python.ts): $SDARTS_PYTHON, else .venv-py. Only the tests need it. */
function pythonCheck(builtVersion: string | null): Check {
  const py = process.env['SDARTS_PYTHON'] ?? join(ROOT, '.venv-py', 'bin', 'python');
  if (!existsSync(py))
    return {
      name: 'Python reference (tests)',
      status: 'warn',
      detail: `none at ${py}`,
      fix: '`npm test` creates .venv-py on its first run (scripts/ensure-python.mjs); or set SDARTS_PYTHON to a Python with torch, safetensors, tensorboard, numpy.',
    };
  const r = spawnSync(py, ['-c', 'import torch, safetensors, tensorboard, numpy; print(torch.__version__)'], { encoding: 'utf8', timeout: 60_000 });
  if (r.status !== 0)
    return {
      name: 'Python reference (tests)',
      status: 'warn',
      detail: `${py} cannot import torch, safetensors, tensorboard and numpy`,
      fix: `Install them there (${py} -m pip install torch safetensors tensorboard numpy), or remove ${dirname(dirname(py))} to let \`npm test\` recreate it.`,
    };
  const v = r.stdout.trim();
  const same = builtVersion === null || majorMinor(v) === majorMinor(builtVersion);
  return {
    name: 'Python reference (tests)',
    status: same ? 'ok' : 'warn',
    detail: `${py}: torch ${v}`,
    ...(same ? {} : { fix: `The parity fixtures expect the torch the addon uses (${builtVersion}): install torch==${builtVersion} there.` }),
    facts: { python: py, torch: v },
  };
}

async function pngCheck(): Promise<Check> {
  try {
    await import('@resvg/resvg-js');
    return { name: 'PNG drawings', status: 'ok', detail: '@resvg/resvg-js loads (sdarts genotype draw --format png)' };
  } catch (err) {
    return {
      name: 'PNG drawings',
      status: 'warn',
      detail: `@resvg/resvg-js does not load: ${(err as Error).message.split('\n')[0]}`,
      fix: 'Reinstall with `npm install` (it brings the prebuilt rasteriser for this platform); SVG and DOT work without it.',
    };
  }
}

export async function runDoctor(): Promise<DoctorReport> {
  const checks = [nodeCheck(), ...addonChecks(), allocatorCheck()];
  const built = checks.find((c) => c.name === 'LibTorch built against')?.facts?.['version'];
  checks.push(pythonCheck(typeof built === 'string' ? built : null), await pngCheck());
  return { ok: checks.every((c) => c.status !== 'fail'), checks };
}

const MARK: Record<CheckStatus, string> = { ok: 'ok  ', warn: 'warn', fail: 'FAIL' };

export function formatDoctor(r: DoctorReport): string {
  const lines = r.checks.flatMap((c) => [`${MARK[c.status]} ${c.name}: ${c.detail}`, ...(c.fix ? [`     fix: ${c.fix}`] : [])]);
  const fails = r.checks.filter((c) => c.status === 'fail').length,
    warns = r.checks.filter((c) => c.status === 'warn').length;
  lines.push(
    r.ok
      ? `sdarts is ready${warns ? ` (${warns} warning${warns === 1 ? '' : 's'})` : ''}.`
      : `${fails} problem${fails === 1 ? '' : 's'} to fix before a search can run.`,
  );
  return lines.join('\n') + '\n';
}
