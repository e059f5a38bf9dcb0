/**
 * Module: registered parameters, buffers and submodules in registration order, with PyTorch's
 * traversal order and state-dict key names (`stem.0.weight`, `cells.3._ops.5.op.1.running_mean`, …).
 */
import { Tensor, keep, noGrad, isFloating, normalizeDevice, type Device, type DType } from '../tensor/index.js';
import { SdartsError, typeError } from '../util/errors.js';

/** Where Module.to moves a tree: a device, a floating dtype, or both. */
export type ModuleTarget = Device | DType | { device?: Device; dtype?: DType };

const FLOAT_TARGETS: readonly DType[] = ['float32', 'float64', 'float16', 'bfloat16'];

/** Parse a Module.to target; the dtype must be floating (as PyTorch's nn.Module.to). */
export function moduleTarget(fn: string, target: unknown): { device?: Device; dtype?: DType } {
  const o: { device?: unknown; dtype?: unknown } =
    typeof target === 'string'
      ? target === 'cpu' || target.startsWith('cuda')
        ? { device: target }
        : { dtype: target }
      : target !== null && typeof target === 'object'
        ? (target as { device?: unknown; dtype?: unknown })
        : (() => {
            throw typeError(fn, 'target', "a device ('cpu', 'cuda:N'), a floating dtype or { device, dtype }", target);
          })();
  if (o.dtype !== undefined && !FLOAT_TARGETS.includes(o.dtype as DType))
    throw typeError(fn, 'dtype', `one of ${FLOAT_TARGETS.join(', ')} (modules only cast floating-point tensors)`, o.dtype);
  return { device: o.device === undefined ? undefined : normalizeDevice(o.device as Device), dtype: o.dtype as DType | undefined };
}

/**
 * `t` on `device` and (when floating) in `dtype`, as a new kept tensor with the same requires-grad;
 * disposes `t`. Returns `t` itself when nothing changes.
 */
export function castTensor(t: Tensor, device: Device | undefined, dtype: DType | undefined): Tensor {
  const dev = device === undefined || sameDevice(t.device, device) ? t.device : device;
  const dt = dtype !== undefined && isFloating(t.dtype) ? dtype : t.dtype;
  if (dev === t.device && dt === t.dtype) return t;
  const rg = t.requiresGrad;
  const moved = noGrad(() => t.to({ device: dev, dtype: dt })).detach();
  if (rg) moved.requiresGrad = true;
  keep(moved);
  t.dispose();
  return moved;
}

function sameDevice(a: Device, b: Device): boolean {
  return a === b || (a === 'cuda:0' && b === 'cuda') || (a === 'cuda' && b === 'cuda:0');
}

export type StateDict = Record<string, Tensor>;

export class Module {
  training = true;
  private readonly _parameters = new Map<string, Tensor | null>();
  private readonly _buffers = new Map<string, Tensor | null>();
  private readonly _modules = new Map<string, Module | null>();

  /** Register a parameter (a long-lived leaf that requires grad). Returns it. */
  registerParameter(name: string, t: Tensor | null): Tensor {
    this.checkName('registerParameter', name);
    if (t !== null) {
      if (!(t instanceof Tensor)) throw typeError('registerParameter', 'param', 'a Tensor or null', t);
      keep(t);
      if (!t.requiresGrad) t.requiresGrad = true;
    }
    this._parameters.set(name, t);
    return t as Tensor;
  }

  /** Register a buffer (state saved in the state dict, not optimised: running stats). */
  registerBuffer(name: string, t: Tensor | null): Tensor {
    this.checkName('registerBuffer', name);
    if (t !== null) {
      if (!(t instanceof Tensor)) throw typeError('registerBuffer', 'buffer', 'a Tensor or null', t);
      keep(t);
    }
    this._buffers.set(name, t);
    return t as Tensor;
  }

  /** Register a child module under `name` (PyTorch's add_module). Returns it. */
  registerModule<M extends Module>(name: string, m: M): M {
    this.checkName('registerModule', name);
    if (!(m instanceof Module)) throw typeError('registerModule', 'module', 'a Module', m);
    this._modules.set(name, m);
    return m;
  }

  private checkName(fn: string, name: string): void {
    if (typeof name !== 'string' || name.length === 0 || name.includes('.')) {
      throw typeError(fn, 'name', 'a non-empty string without dots', name);
    }
  }

  getParameter(name: string): Tensor | null {
    return this._parameters.get(name) ?? null;
  }
  getBuffer(name: string): Tensor | null {
    return this._buffers.get(name) ?? null;
  }
  /** Replace a registered buffer's tensor (e.g. num_batches_tracked += 1 out of place). */
  setBuffer(name: string, t: Tensor): void {
    const old = this._buffers.get(name);
    if (old && old !== t) old.dispose();
    this.registerBuffer(name, t);
  }

  *namedChildren(): Generator<[string, Module]> {
    for (const [k, m] of this._modules) if (m) yield [k, m];
  }
  children(): Module[] {
    return [...this.namedChildren()].map(([, m]) => m);
  }

  /** All modules in the tree, this one first, depth-first in registration order (named_modules). */
  *namedModules(prefix = ''): Generator<[string, Module]> {
    yield [prefix, this];
    for (const [k, m] of this.namedChildren()) yield* m.namedModules(prefix ? `${prefix}.${k}` : k);
  }

  /** Parameters in PyTorch's order: own (registration order), then each child recursively. Deduplicated. */
  namedParameters(prefix = ''): [string, Tensor][] {
    const out: [string, Tensor][] = [];
    const seen = new Set<Tensor>();
    for (const [mp, m] of this.namedModules(prefix)) {
      for (const [k, p] of m._parameters) {
        if (p && !seen.has(p)) {
          seen.add(p);
          out.push([mp ? `${mp}.${k}` : k, p]);
        }
      }
    }
    return out;
  }
  parameters(): Tensor[] {
    return this.namedParameters().map(([, p]) => p);
  }
  namedBuffers(prefix = ''): [string, Tensor][] {
    const out: [string, Tensor][] = [];
    for (const [mp, m] of this.namedModules(prefix)) {
      for (const [k, b] of m._buffers) if (b) out.push([mp ? `${mp}.${k}` : k, b]);
    }
    return out;
  }
  buffers(): Tensor[] {
    return this.namedBuffers().map(([, b]) => b);
  }

  /** Number of parameter elements (optionally only those whose name passes `filter`). */
  numParameters(filter: (name: string) => boolean = () => true): number {
    return this.namedParameters()
      .filter(([n]) => filter(n))
      .reduce((s, [, p]) => s + p.numel, 0);
  }

  train(mode = true): this {
    for (const [, m] of this.namedModules()) m.training = mode;
    return this;
  }
  eval(): this {
    return this.train(false);
  }

  /** Set every parameter's .grad to null (PyTorch's zero_grad(set_to_none=True)). */
  zeroGrad(): void {
    for (const p of this.parameters()) p.grad = null;
  }

  /**
   * state_dict(): per module its parameters then its buffers, then children — PyTorch's key order.
   * The tensors are the module's own (not copies): do not dispose them.
   */
  stateDict(prefix = ''): StateDict {
    const sd: StateDict = {};
    this.collectState(prefix, sd);
    return sd;
  }
  private collectState(prefix: string, sd: StateDict): void {
    for (const [k, p] of this._parameters) if (p) sd[prefix + k] = p;
    for (const [k, b] of this._buffers) if (b) sd[prefix + k] = b;
    for (const [k, m] of this.namedChildren()) m.collectState(`${prefix}${k}.`, sd);
  }

  /**
   * Copy values from `sd` into this module's tensors (in place, no grad). strict: the key sets must be
   * equal. Shapes must match. Dtypes are converted; devices follow the module.
   */
  loadStateDict(sd: StateDict, strict = true): { missingKeys: string[]; unexpectedKeys: string[] } {
    if (sd === null || typeof sd !== 'object') throw typeError('loadStateDict', 'stateDict', 'an object of name → Tensor', sd);
    const own = this.stateDict();
    const missingKeys = Object.keys(own).filter((k) => !(k in sd));
    const unexpectedKeys = Object.keys(sd).filter((k) => !(k in own));
    if (strict && (missingKeys.length || unexpectedKeys.length)) {
      throw new SdartsError(
        'ERR_SDARTS_STATE_DICT_KEYS',
        `loadStateDict(): key mismatch — missing ${missingKeys.length} key(s)${missingKeys.length ? ` (${missingKeys.slice(0, 5).join(', ')}${missingKeys.length > 5 ? ', …' : ''})` : ''}, unexpected ${unexpectedKeys.length}${unexpectedKeys.length ? ` (${unexpectedKeys.slice(0, 5).join(', ')}${unexpectedKeys.length > 5 ? ', …' : ''})` : ''}. Was the checkpoint made for the same network configuration?`,
      );
    }
    for (const [k, t] of Object.entries(own)) {
      const src = sd[k];
      if (!src) continue;
      if (!(src instanceof Tensor)) throw typeError('loadStateDict', `stateDict['${k}']`, 'a Tensor', src);
      const a = t.shape.join('x'),
        b = src.shape.join('x');
      if (a !== b)
        throw new SdartsError(
          'ERR_SDARTS_STATE_DICT_SHAPE',
          `loadStateDict(): '${k}' has shape [${src.shape.join(', ')}] in the checkpoint but [${t.shape.join(', ')}] in the module.`,
        );
    }
    noGrad(() => {
      for (const [k, t] of Object.entries(own)) if (sd[k]) t.copy_(sd[k]!);
    });
    return { missingKeys, unexpectedKeys };
  }

  /**
   * Move parameters and buffers to a device and/or cast the floating-point ones to a dtype (PyTorch's
   * `module.to(device)`, `module.to(dtype)`, `module.double()`: integer buffers such as
   * num_batches_tracked keep their dtype). Replaces the tensors: create optimizers after this.
   */
  to(target: ModuleTarget): this {
    const { device, dtype } = moduleTarget('Module.to', target);
    for (const [, m] of this.namedModules()) {
      for (const map of [m._parameters, m._buffers]) {
        for (const [k, t] of map) {
          if (!t) continue;
          const moved = castTensor(t, device, dtype);
          if (moved === t) continue;
          map.set(k, moved);
        }
      }
    }
    return this;
  }

  /** Free all parameters and buffers of the tree. */
  dispose(): void {
    for (const [, m] of this.namedModules()) {
      for (const t of m._parameters.values()) t?.dispose();
      for (const t of m._buffers.values()) t?.dispose();
    }
  }
}

/** A module with a single-tensor forward (what Sequential chains). */
export abstract class Layer extends Module {
  abstract forward(x: Tensor): Tensor;
}
