/**
 * The Tensor object: an integer handle into the addon's tensor table plus cached metadata.
 * Ops live in tensor-ops.ts (added to the prototype); this file holds identity, metadata, data
 * access, autograd properties and disposal.
 */
import { native } from './native.js';
import { track, release, type Tracked } from './scope.js';
import { BYTES_PER_ELEMENT, dtypeFromCode, type DType } from './dtype.js';
import { deviceFromCode, type Device } from './device.js';
import { SdartsError, rangeError, typeError } from '../util/errors.js';

export type TypedArray = Float32Array | Float64Array | Int32Array | BigInt64Array | Uint8Array;
export type NestedArray = number | boolean | NestedArray[];

export class Tensor implements Tracked {
  /** @internal native handle; -1 once disposed. */
  _h: number;
  /** @internal */
  _kept = false;
  /** @internal GC safety-net state (scope.ts). */
  _gc = 0;
  private _meta: number[] | undefined;

  /** @internal Wrap a native handle (use the creation functions instead). */
  constructor(handle: number) {
    this._h = handle;
    track(this);
  }

  /** @internal The live handle; throws a clear error on a disposed tensor. */
  get h(): number {
    if (this._h < 0) {
      throw new SdartsError(
        'ERR_SDARTS_TENSOR_DISPOSED',
        'This tensor was disposed (by dispose() or at the end of a tidy() scope) and cannot be used. Keep it with keep(t) or return it from tidy() to use it later.',
      );
    }
    return this._h;
  }

  private meta(): number[] {
    return (this._meta ??= native().meta(this.h));
  }

  get isDisposed(): boolean {
    return this._h < 0;
  }
  get dtype(): DType {
    return dtypeFromCode(this.meta()[0]!);
  }
  get device(): Device {
    return deviceFromCode(this.meta()[1]!);
  }
  get shape(): number[] {
    return this.meta().slice(3);
  }
  get ndim(): number {
    return this.meta().length - 3;
  }
  get numel(): number {
    const m = this.meta();
    let n = 1;
    for (let i = 3; i < m.length; i++) n *= m[i]!;
    return n;
  }
  /** Size of one dimension (negative dims count from the end). */
  size(dim: number): number {
    const nd = this.ndim;
    if (typeof dim !== 'number') throw typeError('size', 'dim', 'an integer dim', dim);
    if (!Number.isInteger(dim) || dim < -nd || dim >= nd) throw rangeError('size', 'dim', `a dim in [${-nd}, ${nd - 1}]`, dim);
    return this.meta()[3 + (dim < 0 ? dim + nd : dim)]!;
  }

  // ---- autograd properties ----
  get requiresGrad(): boolean {
    return native().requiresGrad(this.h);
  }
  set requiresGrad(v: boolean) {
    if (typeof v !== 'boolean') throw typeError('requiresGrad', 'value', 'a boolean', v);
    native().setRequiresGrad(this.h, v);
  }
  /** In-place: set requires_grad and return this tensor (PyTorch's `requires_grad_`). */
  requiresGrad_(v = true): this {
    this.requiresGrad = v;
    return this;
  }
  get isLeaf(): boolean {
    return native().isLeaf(this.h);
  }
  /** The accumulated gradient as a new tensor object sharing storage with `.grad`, or null. */
  get grad(): Tensor | null {
    const g = native().grad(this.h);
    return g < 0 ? null : new Tensor(g);
  }
  /** Assigns the gradient: null, or a tensor of this tensor's shape, dtype and device (as PyTorch checks). */
  set grad(g: Tensor | null) {
    if (g !== null && !(g instanceof Tensor)) throw typeError('grad', 'value', 'a Tensor or null', g);
    if (g !== null) {
      if (g.h === this.h) throw new SdartsError('ERR_SDARTS_INVALID_ARG_TYPE', "Cannot assign a tensor as its own grad in grad's setter");
      const want = this.meta();
      const got = g.meta();
      if (got.length !== want.length || got.some((s, i) => i >= 3 && s !== want[i])) {
        throw new SdartsError(
          'ERR_SDARTS_OUT_OF_RANGE',
          `Expected a gradient of size [${this.shape.join(', ')}] for 'value' in grad's setter but received one of size [${g.shape.join(', ')}] (assigned grad has data of a different size)`,
        );
      }
      if (got[0] !== want[0]) {
        throw new SdartsError(
          'ERR_SDARTS_INVALID_ARG_TYPE',
          `Expected a gradient of dtype ${this.dtype} for 'value' in grad's setter but received one of dtype ${g.dtype} (assigned grad has data of a different type)`,
        );
      }
      if (got[1] !== want[1]) {
        throw new SdartsError(
          'ERR_SDARTS_INVALID_ARG_TYPE',
          `Expected a gradient on ${this.device} for 'value' in grad's setter but received one on ${g.device} (assigned grad has data located on a different device)`,
        );
      }
    }
    native().setGrad(this.h, g === null ? null : g.h);
  }

  // ---- data out ----
  /** Copy of the data as a typed array (float16/bfloat16 come back as Float32Array, bool as Uint8Array). */
  toTypedArray(): TypedArray {
    const d = this.dtype;
    if (d === 'float16' || d === 'bfloat16') {
      const f = new Tensor(native().to(this.h, -1, 6, false));
      try {
        return f.toTypedArray();
      } finally {
        f.dispose();
      }
    }
    const buf = copyOut('toTypedArray', this.h, this.numel * BYTES_PER_ELEMENT[d]);
    switch (d) {
      case 'float32':
        return new Float32Array(buf);
      case 'float64':
        return new Float64Array(buf);
      case 'int32':
        return new Int32Array(buf);
      case 'int64':
        return new BigInt64Array(buf);
      default:
        return new Uint8Array(buf);
    }
  }
  /** Flat array of JS numbers (int64 converted with Number()). */
  toArray(): number[] {
    const a = this.toTypedArray();
    if (a instanceof BigInt64Array) return Array.from(a, (x) => Number(x));
    return Array.from(a as ArrayLike<number>);
  }
  /**
   * The tensor as rows of its last dimension: a 2-D [r, c] tensor gives r rows of c numbers, a 1-D one a
   * single row, an N-D one the rows of its flattened leading dimensions (α read-outs, heat maps).
   */
  toRows(): number[][] {
    const shape = this.shape;
    const n = shape.length === 0 ? 1 : shape[shape.length - 1]!;
    const flat = this.toArray();
    if (n === 0) return shape.length <= 1 ? [[]] : Array.from({ length: shape.slice(0, -1).reduce((a, b) => a * b, 1) }, () => []);
    return Array.from({ length: flat.length / n }, (_, i) => flat.slice(i * n, (i + 1) * n));
  }
  /** Nested arrays in the tensor's shape (booleans for bool tensors), like PyTorch's tolist(). */
  tolist(): NestedArray {
    const flat: NestedArray[] = this.dtype === 'bool' ? this.toArray().map((x) => x !== 0) : this.toArray();
    const shape = this.shape;
    if (shape.length === 0) return flat[0]!;
    let i = 0;
    const build = (dim: number): NestedArray[] => {
      const out: NestedArray[] = [];
      for (let k = 0; k < shape[dim]!; k++) out.push(dim === shape.length - 1 ? flat[i++]! : build(dim + 1));
      return out;
    };
    return build(0);
  }
  /** The value of a one-element tensor. */
  item(): number {
    const v = native().item(this.h);
    return typeof v === 'boolean' ? (v ? 1 : 0) : v;
  }

  // ---- lifetime ----
  /** Free the native tensor now. Idempotent. */
  dispose(): void {
    release(this);
  }
  [Symbol.dispose](): void {
    release(this);
  }

  toString(): string {
    if (this._h < 0) return 'Tensor(disposed)';
    return `Tensor(shape=[${this.shape.join(', ')}], dtype=${this.dtype}, device=${this.device})`;
  }
}

/**
 * @internal The data of tensor `h` (`nbytes` bytes: numel × element size) copied into a new
 * ArrayBuffer. The buffer is allocated here, in JS, because a failed allocation must be an error:
 * `new ArrayBuffer(n)` throws a RangeError, where one allocated by the addon aborts the process.
 */
export function copyOut(fn: string, h: number, nbytes: number): ArrayBuffer {
  let buf: ArrayBuffer;
  try {
    buf = new ArrayBuffer(nbytes);
  } catch (err) {
    throw new SdartsError(
      'ERR_SDARTS_OUT_OF_MEMORY',
      `${fn}(): out of memory: cannot allocate ${nbytes} bytes (${(nbytes / 2 ** 30).toFixed(2)} GiB) of host memory to copy the tensor into. Copy out a smaller slice, or free memory.`,
      { cause: err },
    );
  }
  native().toData(h, buf);
  return buf;
}

/** @internal Wrap a native handle list (-1 → null). */
export function wrapList(hs: number[]): Tensor[] {
  return hs.map((h) => new Tensor(h));
}
