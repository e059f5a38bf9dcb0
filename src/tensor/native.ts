/**
 * Loads the LibTorch addon once. A failed load throws ONE error listing the likely causes and fixes.
 * Everything in src/tensor talks to LibTorch through the `NativeAddon` interface below.
 */
import { createRequire } from 'node:module';
import { existsSync, readFileSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { SdartsError } from '../util/errors.js';

export type H = number;
type Opt<T> = T | null;

/** One op's row of native/op_list.h: its code and the forms it has (`'tensor'`, `'inplace'`, ...). */
export interface NativeOp {
  code: number;
  forms: string[];
}

/**
 * `contract()`: every code that crosses the boundary, by name (native/op_list.h is their one home).
 * opcodes.ts and dtype.ts build their tables from it when the addon loads.
 */
export interface NativeContract {
  version: number;
  ops: { binary: Record<string, NativeOp>; unary: Record<string, NativeOp> };
  dtypes: Record<string, number>;
  reductions: Record<string, number>;
}

/** The `contract().version` this code reads; native/op_list.h's SDARTS_CONTRACT_VERSION. */
export const CONTRACT_VERSION = 1;

/**
 * The addon's count of ATen operator calls (native/runtime_ops.cc, docs/performance.md "Kernel counts"):
 * `topLevel` counts the ops that enter the dispatcher while no other counted op runs (what the code and
 * the backward nodes call), `all` nested ones too; `byName` the top-level ones by operator name,
 * `allByName` all of them by name (both empty unless counting by name).
 */
export interface NativeOpCounts {
  on: boolean;
  topLevel: number;
  all: number;
  byName: Record<string, number>;
  allByName: Record<string, number>;
}

export interface NativeAddon {
  // creation & data
  fromData(data: ArrayBufferView, shape: number[], dtype: number, device: number): H;
  /** Copies the tensor's bytes into `dst` (exactly their size) and returns it. */
  toData(h: H, dst: ArrayBuffer): ArrayBuffer;
  item(h: H): number | boolean;
  meta(h: H): number[];
  full(shape: number[], value: number | boolean, dtype: number, device: number): H;
  empty(shape: number[], dtype: number, device: number): H;
  arange(start: number, end: number, step: number, dtype: number, device: number): H;
  linspace(start: number, end: number, steps: number, dtype: number, device: number): H;
  eye(n: number, m: number, dtype: number, device: number): H;
  rand(shape: number[], dtype: number, device: number): H;
  randn(shape: number[], dtype: number, device: number): H;
  randint(low: number, high: number, shape: number[], dtype: number, device: number): H;
  randperm(n: number, dtype: number, device: number): H;
  uniform_(h: H, a: number, b: number): void;
  normal_(h: H, mean: number, std: number): void;
  bernoulliScalar_(h: H, p: number): void;
  bernoulli(h: H): H;
  manualSeed(seed: number | bigint): void;
  getRngState(device: number): Uint8Array;
  setRngState(device: number, state: Uint8Array): void;
  // pointwise
  binary(op: number, a: H, b: H, alpha: number): H;
  /** The argument slots binaryFast() reads: one Int32Array(4), owned by the addon. */
  argSlots(): Int32Array;
  binaryFast(): H;
  binaryScalar1(op: number, a: H, s: number | boolean): H;
  binaryScalar(op: number, a: H, s: number | boolean, alpha: number): H;
  binary_(op: number, a: H, b: H, alpha: number): void;
  binaryScalar_(op: number, a: H, s: number | boolean, alpha: number): void;
  unary(op: number, a: H): H;
  unary_(op: number, a: H): void;
  clamp(a: H, min: Opt<number>, max: Opt<number>): H;
  clamp_(a: H, min: Opt<number>, max: Opt<number>): void;
  where(cond: H, a: H, b: H): H;
  whereScalar(cond: H, a: H, s: number | boolean): H;
  addcmul_(a: H, t1: H, t2: H, value: number): void;
  addcdiv_(a: H, t1: H, t2: H, value: number): void;
  lerp_(a: H, end: H, weight: number): void;
  // reductions, products
  sum(a: H, dims: Opt<number[]>, keepdim: boolean, dtype: Opt<number>): H;
  mean(a: H, dims: Opt<number[]>, keepdim: boolean): H;
  maxAll(a: H): H;
  minAll(a: H): H;
  maxDim(a: H, dim: number, keepdim: boolean): H[];
  minDim(a: H, dim: number, keepdim: boolean): H[];
  argmax(a: H, dim: Opt<number>, keepdim: boolean): H;
  argmin(a: H, dim: Opt<number>, keepdim: boolean): H;
  topk(a: H, k: number, dim: number, largest: boolean, sorted: boolean): H[];
  norm(a: H, p: number, dims: Opt<number[]>, keepdim: boolean): H;
  any(a: H): H;
  all(a: H): H;
  matmul(a: H, b: H): H;
  mm(a: H, b: H): H;
  bmm(a: H, b: H): H;
  addmm(bias: H, a: H, b: H, beta: number, alpha: number): H;
  // shape & indexing
  view(a: H, shape: number[]): H;
  reshape(a: H, shape: number[]): H;
  permute(a: H, dims: number[]): H;
  transpose(a: H, d0: number, d1: number): H;
  contiguous(a: H): H;
  narrow(a: H, dim: number, start: number, length: number): H;
  slice(a: H, dim: number, start: Opt<number>, end: Opt<number>, step: number): H;
  select(a: H, dim: number, index: number): H;
  squeeze(a: H, dim: Opt<number>): H;
  unsqueeze(a: H, dim: number): H;
  expand(a: H, shape: number[]): H;
  flatten(a: H, start: number, end: number): H;
  flip(a: H, dims: number[]): H;
  repeat(a: H, reps: number[]): H;
  cat(hs: H[], dim: number): H;
  stack(hs: H[], dim: number): H;
  split(a: H, sizes: number | number[], dim: number): H[];
  chunk(a: H, chunks: number, dim: number): H[];
  indexSelect(a: H, dim: number, index: H): H;
  gather(a: H, dim: number, index: H): H;
  scatter(a: H, dim: number, index: H, src: H): H;
  scatterValue(a: H, dim: number, index: H, value: number): H;
  scatter_(a: H, dim: number, index: H, src: H): void;
  maskedFill(a: H, mask: H, value: number | boolean): H;
  maskedFill_(a: H, mask: H, value: number | boolean): void;
  index(a: H, indices: Opt<H>[]): H;
  indexPut_(a: H, indices: Opt<H>[], values: H, accumulate: boolean): void;
  clone(a: H): H;
  to(a: H, device: number, dtype: number, copy: boolean): H;
  copy_(dst: H, src: H): void;
  zero_(a: H): void;
  fill_(a: H, v: number | boolean): void;
  // nn
  conv2d(x: H, w: H, b: Opt<H>, stride: number[], padding: number[], dilation: number[], groups: number): H;
  batchNorm(x: H, w: Opt<H>, b: Opt<H>, rm: Opt<H>, rv: Opt<H>, training: boolean, momentum: number, eps: number): H;
  maxPool2d(x: H, k: number[], s: number[], p: number[], d: number[], ceil: boolean): H;
  avgPool2d(x: H, k: number[], s: number[], p: number[], ceil: boolean, countIncludePad: boolean, divisor: Opt<number>): H;
  adaptiveAvgPool2d(x: H, out: number[]): H;
  linear(x: H, w: H, b: Opt<H>): H;
  softmax(x: H, dim: number): H;
  logSoftmax(x: H, dim: number): H;
  crossEntropy(x: H, t: H, w: Opt<H>, reduction: number, ignoreIndex: number, labelSmoothing: number): H;
  nllLoss(x: H, t: H, w: Opt<H>, reduction: number, ignoreIndex: number): H;
  dropout(x: H, p: number, train: boolean): H;
  embedding(w: H, idx: H, paddingIdx: number): H;
  pad(x: H, pads: number[], mode: string, value: Opt<number>): H;
  // autograd
  setRequiresGrad(h: H, v: boolean): void;
  requiresGrad(h: H): boolean;
  isLeaf(h: H): boolean;
  grad(h: H): H;
  setGrad(h: H, g: Opt<H>): void;
  backward(h: H, g: Opt<H>, retainGraph: boolean, createGraph: boolean): void;
  autogradGrad(outs: H[], ins: H[], gradOuts: Opt<H[]>, retain: boolean, create: boolean, allowUnused: boolean): H[];
  detach(h: H): H;
  detach_(h: H): void;
  setGradEnabled(v: boolean): boolean;
  isGradEnabled(): boolean;
  // multi-tensor (foreach) ops
  foreachAdd(a: H[], b: H[], alpha: number): H[];
  foreachAdd_(a: H[], b: H[], alpha: number): void;
  foreachAddScalar_(a: H[], s: number): void;
  foreachSub(a: H[], b: H[], alpha: number): H[];
  foreachSub_(a: H[], b: H[], alpha: number): void;
  foreachMulScalar(a: H[], s: number): H[];
  foreachMulScalar_(a: H[], s: number): void;
  foreachMulTensor_(a: H[], t: H): void;
  foreachMulList(a: H[], b: H[]): H[];
  foreachNorm(a: H[], ord: number): H[];
  foreachCopy_(dst: H[], src: H[]): void;
  // runtime
  dispose(h: H): boolean;
  disposeMany(hs: Int32Array): number;
  memory(): { liveTensors: number; bytes: Record<string, number> };
  setNumThreads(n: number): void;
  getNumThreads(): number;
  cudaIsAvailable(): boolean;
  cudaDeviceCount(): number;
  cudaSynchronize(index: number): void;
  cudaMemoryStats(index: number): { allocated: number; allocatedPeak: number; reserved: number; reservedPeak: number };
  buildInfo(): { torchVersion: string; cudaBuild: boolean; napiVersion: number };
  contract(): NativeContract;
  mallocTune(mmapThreshold: number, trimThreshold: number): boolean;
  /** 'on' resets and starts counting (by name too when `byName`), 'read' reports, 'off' removes the callback and reports. */
  opCounter(mode: 'on' | 'off' | 'read', byName?: boolean): NativeOpCounts;
}

const here = dirname(fileURLToPath(import.meta.url));
/** The project root: src/tensor → ../.., dist/tensor → ../.. as well. */
export const PROJECT_ROOT = resolve(here, '..', '..');
export const ADDON_PATH = join(PROJECT_ROOT, 'build', 'Release', 'sdarts_native.node');

function loadAddon(): NativeAddon {
  const require = createRequire(import.meta.url);
  if (!existsSync(ADDON_PATH)) {
    throw new SdartsError(
      'ERR_SDARTS_ADDON_LOAD',
      `sdarts native addon not found at ${ADDON_PATH}. Build it with \`npm install\` (or \`npm run build\`) in ${PROJECT_ROOT}.`,
    );
  }
  try {
    return require(ADDON_PATH) as NativeAddon;
  } catch (err) {
    const msg = (err as Error).message;
    let libtorch = 'unknown';
    try {
      libtorch = JSON.parse(readFileSync(join(PROJECT_ROOT, 'build', 'libtorch.json'), 'utf8')).root;
    } catch {
      /* no record of the build */
    }
    const hints = [
      /libtorch|libc10|libtorch_cpu/.test(msg)
        ? `LibTorch's shared libraries were not found: the addon was built against ${libtorch}; if that folder moved or was deleted, run \`npm install\` again.`
        : '',
      /undefined symbol|GLIBCXX|CXXABI/.test(msg)
        ? 'An ABI/version mismatch between the addon and LibTorch (or libstdc++): rebuild with `rm -rf build && npm install`.'
        : '',
      /libcuda|libcudart|libnvrtc|cublas|cudnn/.test(msg)
        ? 'CUDA libraries of the CUDA LibTorch build are missing: install the NVIDIA driver/CUDA runtime, or build against a CPU LibTorch (LIBTORCH=... npm install).'
        : '',
      /NODE_MODULE_VERSION|napi/i.test(msg) ? 'The addon was built for another Node.js version: rebuild with `npm install`.' : '',
    ].filter(Boolean);
    throw new SdartsError(
      'ERR_SDARTS_ADDON_LOAD',
      `sdarts native addon failed to load (${ADDON_PATH}): ${msg.split('\n')[0]}\n` +
        (hints.length ? hints.join('\n') : 'Rebuild it with `rm -rf build && npm install`.'),
      { cause: err },
    );
  }
}

/** The addon's contract, checked for its version: an addon built from other sources fails here. */
function readContract(a: NativeAddon): NativeContract {
  const c = typeof a.contract === 'function' ? a.contract() : undefined;
  if (c?.version !== CONTRACT_VERSION) {
    throw new SdartsError(
      'ERR_SDARTS_ADDON_CONTRACT',
      `sdarts native addon at ${ADDON_PATH} has contract version ${String(c?.version ?? 'none')}, this code reads version ${CONTRACT_VERSION}: ` +
        'the addon is out of date with src/tensor. Rebuild it with `npm run build`.',
    );
  }
  return c;
}

const contractReaders: ((c: NativeContract) => void)[] = [];
/**
 * Registers `read` to build a code table from the addon's contract when the addon loads (at once if
 * it has). A reader throws when the contract lacks a name it needs; the load then fails with that error.
 */
export function onContract(read: (c: NativeContract) => void): void {
  contractReaders.push(read);
  if (addon !== undefined) read(addon.contract());
}

/** A code table: name → -1 until `fillCodes` fills it from the contract when the addon loads. */
export function codeTable<K extends string>(names: readonly K[]): Record<K, number> {
  return Object.fromEntries(names.map((n) => [n, -1])) as Record<K, number>;
}

/**
 * Fills `table` (a `codeTable`) from one family of the contract.
 * `forms` names, per name, the forms TS calls. Throws one error listing every name the addon lacks and
 * every form its row does not have.
 */
export function fillCodes<K extends string>(
  what: string,
  table: Record<K, number>,
  rows: Record<string, number | NativeOp>,
  forms: Partial<Record<K, readonly string[]>> = {},
): void {
  const problems: string[] = [];
  for (const name of Object.keys(table) as K[]) {
    const row = rows[name];
    if (row === undefined) {
      problems.push(`no ${what} '${name}'`);
      continue;
    }
    const { code, forms: has } = typeof row === 'number' ? { code: row, forms: [] } : row;
    const lacking = (forms[name] ?? []).filter((f) => !has.includes(f));
    if (lacking.length > 0) problems.push(`${what} '${name}' has no ${lacking.join(', ')} form`);
    table[name] = code;
  }
  if (problems.length > 0) {
    throw new SdartsError(
      'ERR_SDARTS_ADDON_CONTRACT',
      `sdarts native addon at ${ADDON_PATH} does not match src/tensor: ${problems.join('; ')}. ` +
        'Rebuild it (`npm run build`); if it is up to date, the row is missing from native/op_list.h.',
    );
  }
}

let addon: NativeAddon | undefined;
/** The addon, loaded on first use. */
export function native(): NativeAddon {
  if (addon === undefined) {
    const loaded = loadAddon();
    const contract = readContract(loaded);
    for (const read of contractReaders) read(contract);
    addon = loaded;
    // glibc returns large freed blocks to the OS at once, so every step page-faults its tensors back in
    // (measured: 2x slower search steps on CPU). Keep up to 256 MiB blocks and 1 GiB of free heap.
    // SDARTS_MALLOC_TUNING=0 turns this off.
    if (process.env['SDARTS_MALLOC_TUNING'] !== '0') addon.mallocTune(256 * 2 ** 20, 2 ** 30 - 1);
  }
  return addon;
}
