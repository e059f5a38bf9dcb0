#!/usr/bin/env node
// Build the native addon: locate LibTorch, say which one, then compile with cmake-js (primary) or,
// with --gyp, node-gyp from binding.gyp (same sources). Output: build/Release/sdarts_native.node.
// --bench-floor (or SDARTS_BENCH_FLOOR=1) also builds build/Release/sdarts_bench_floor.node, the C++
// floor `npm run bench:ops` measures against (native/bench_floor.cc, never in the product addon).
import { spawnSync } from 'node:child_process';
import { mkdirSync, writeFileSync, existsSync, rmSync } from 'node:fs';
import { cpus } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { locateLibTorch } from './find-libtorch.mjs';

const root = resolve(dirname(fileURLToPath(import.meta.url)), '..');
const useGyp = process.argv.includes('--gyp');
const benchFloor = process.argv.includes('--bench-floor') || process.env.SDARTS_BENCH_FLOOR === '1';

let info;
try {
  info = locateLibTorch();
} catch (err) {
  console.error(`\nsdarts build failed: ${err instanceof Error ? err.message : String(err)}\n`);
  process.exit(1);
}
console.log(`sdarts: using LibTorch ${info.version} (${info.cuda ? 'CUDA' : 'CPU'} build) from ${info.root} [found via ${info.source}]`);

const jobs = String(Math.max(1, Math.min(cpus().length, 16)));
let r;
if (useGyp) {
  if (existsSync(join(root, 'build', 'CMakeCache.txt'))) rmSync(join(root, 'build'), { recursive: true, force: true });
  const gyp = join(root, 'node_modules', 'node-gyp', 'bin', 'node-gyp.js');
  // Build against this Node's own headers when they are installed (no header download needed).
  const nodeDir = process.env.npm_config_nodedir || resolve(dirname(process.execPath), '..');
  const nodeDirArgs = existsSync(join(nodeDir, 'include', 'node', 'common.gypi')) ? [`--nodedir=${nodeDir}`] : [];
  r = spawnSync(process.execPath, [gyp, 'rebuild', `-j`, jobs, ...nodeDirArgs], {
    cwd: root,
    stdio: 'inherit',
    env: { ...process.env, SDARTS_TORCH_ROOT: info.root, SDARTS_TORCH_CUDA: info.cuda ? '1' : '0', SDARTS_BENCH_FLOOR: benchFloor ? '1' : '0' },
  });
} else {
  if (existsSync(join(root, 'build', 'binding.Makefile'))) rmSync(join(root, 'build'), { recursive: true, force: true });
  const cmakeJs = join(root, 'node_modules', 'cmake-js', 'bin', 'cmake-js');
  /** @param {string[]} target */
  const cmakeBuild = (target) =>
    spawnSync(process.execPath, [cmakeJs, 'build', '--log-level', 'warn', '--parallel', jobs, ...target, `--CDTorch_ROOT=${info.root}`], {
      cwd: root,
      stdio: 'inherit',
    });
  r = cmakeBuild([]);
  // The bench floor target is excluded from the default build: it is built by name, after the product.
  if (benchFloor && r.status === 0) r = cmakeBuild(['--target', 'sdarts_bench_floor']);
}
if (r.status !== 0) {
  console.error(
    `\nsdarts: native build failed (${useGyp ? 'node-gyp' : 'cmake-js'}). LibTorch used: ${info.root}. If you switched LibTorch, remove build/ and retry.`,
  );
  process.exit(r.status ?? 1);
}
mkdirSync(join(root, 'build'), { recursive: true });
writeFileSync(join(root, 'build', 'libtorch.json'), JSON.stringify({ ...info, builder: useGyp ? 'node-gyp' : 'cmake-js' }, null, 2) + '\n');
console.log(
  `sdarts: built build/Release/sdarts_native.node${benchFloor ? ' and sdarts_bench_floor.node' : ''} with ${useGyp ? 'node-gyp' : 'cmake-js'} against LibTorch ${info.version}`,
);
