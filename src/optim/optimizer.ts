/**
 * The optimizer base class: parameter groups with per-group hyperparameters, per-parameter state,
 * `zeroGrad`, and a state dict laid out like PyTorch's `optimizer.state_dict()`:
 *
 *   { state: { <flat param index>: { <torch state key>: Tensor | number } },
 *     paramGroups: [ { <torch hyperparameter key>: value, params: [flat indices] } ] }
 *
 * Indices count parameters across groups in group order (as PyTorch does); state and hyperparameter
 * keys use PyTorch's spelling (`momentum_buffer`, `exp_avg`, `weight_decay`), so a checkpoint writer
 * can put the tensors in safetensors and the numbers in JSON and map both 1:1 to a torch checkpoint.
 * Only the top-level `paramGroups` is camelCase. Counters PyTorch keeps as 0-d tensors (`step`,
 * ASGD's `eta`/`mu`) are plain numbers here; loadStateDict accepts either form.
 *
 * State tensors are long-lived: created with keep() inside step()'s tidy scope, freed by dispose()
 * or when a loadStateDict replaces them.
 */
import { Tensor, keep, noGrad } from '../tensor/index.js';
import { SdartsError, describe, typeError } from '../util/errors.js';
import { describeValue, paramTensor, plainObject, type Check } from './validate.js';

export type StateValue = Tensor | number;
export type ParamState = Record<string, StateValue>;
export type ParamGroup<H> = H & { params: Tensor[] };
/** A group as passed to a constructor: its params plus any hyperparameters that override the defaults. */
export type ParamGroupInput<H> = Partial<H> & { params: Tensor[] };
export type ParamsArg<H> = Tensor[] | ParamGroupInput<H>[];

export interface OptimizerStateDict {
  state: Record<number, Record<string, StateValue>>;
  paramGroups: (Record<string, unknown> & { params: number[] })[];
}

/** One hyperparameter: its PyTorch key and its check. */
export interface HyperSpec<V> {
  torchKey: string;
  check: Check<V>;
}

/** What a concrete optimizer declares once; the base class does the bookkeeping from it. */
export interface OptimizerSpec<H> {
  name: string;
  hyper: { [K in keyof H]: HyperSpec<H[K]> };
  /** State keys: 'param' = tensor shaped like the parameter, 'number' = a scalar counter. */
  state: Record<string, { kind: 'param' | 'number'; required: boolean }>;
  /** Cross-field rules (e.g. Nesterov needs momentum); `at` prefixes argument names in messages. */
  checkGroup?: (fn: string, group: H, at: string) => void;
}

export abstract class Optimizer<H extends { lr: number }> {
  /** Parameter groups; hyperparameters are mutable (`opt.paramGroups[0].lr = x`), as schedules do. */
  readonly paramGroups: ParamGroup<H>[] = [];
  readonly defaults: Readonly<H>;
  protected readonly state = new Map<Tensor, ParamState>();
  private readonly spec: OptimizerSpec<H>;

  protected constructor(spec: OptimizerSpec<H>, params: ParamsArg<H>, options: unknown, fallback: H) {
    this.spec = spec;
    const opts = plainObject(spec.name, 'options', options, true);
    const defaults = { ...fallback };
    for (const key of Object.keys(spec.hyper) as (keyof H & string)[]) {
      if (opts[key] !== undefined) defaults[key] = spec.hyper[key].check(spec.name, key, opts[key]);
    }
    for (const key of Object.keys(opts)) {
      if (!(key in spec.hyper)) throw typeError(spec.name, `options.${key}`, `one of the options ${Object.keys(spec.hyper).join(', ')}`, key);
    }
    spec.checkGroup?.(spec.name, defaults, '');
    this.defaults = Object.freeze(defaults);
    if (!Array.isArray(params)) throw typeError(spec.name, 'params', 'an array of Tensors or of parameter groups { params, ...options }', params);
    if (params.length === 0) {
      throw new SdartsError(
        'ERR_SDARTS_OPTIM_EMPTY_PARAMS',
        `${spec.name}() got an empty parameter list. Pass the model's parameters (e.g. model.parameters()) or at least one group { params: [...] }.`,
      );
    }
    // Any tensor in the list means "a flat list of parameters"; each element is then checked as one.
    const asGroups = params.some((p) => p instanceof Tensor) ? [{ params: params as Tensor[] }] : params;
    asGroups.forEach((g, i) => this.addGroup(this.spec.name, g, asGroups === params ? `params[${i}]` : ''));
  }

  /** Add a group (params + optional overrides); a parameter may belong to only one group. */
  addParamGroup(group: ParamGroupInput<H>): void {
    this.addGroup(`${this.spec.name}.addParamGroup`, group, 'group');
  }

  /** `where` names the group in messages ('' for the flat parameter list of a constructor). */
  private addGroup(fn: string, group: unknown, where: string): void {
    const g = plainObject(fn, where || 'params', group);
    const at = where ? `${where}.` : '';
    if (!Array.isArray(g['params'])) throw typeError(fn, `${at}params`, 'an array of Tensors', g['params']);
    const list = (g['params'] as unknown[]).map((p, j) => paramTensor(fn, `${at}params[${j}]`, p));
    if (list.length === 0) {
      throw new SdartsError(
        'ERR_SDARTS_OPTIM_EMPTY_PARAMS',
        `${fn}(): parameter group '${where}' has an empty params array. Remove the group or give it at least one tensor.`,
      );
    }
    const seen = new Set(this.paramGroups.flatMap((x) => x.params));
    for (const [j, p] of list.entries()) {
      if (seen.has(p)) {
        throw new SdartsError(
          'ERR_SDARTS_OPTIM_DUPLICATE_PARAM',
          `${fn}(): '${at}params[${j}]' appears more than once across the parameter groups. Each parameter must be in exactly one group.`,
        );
      }
      seen.add(p);
    }
    const out = { ...this.defaults } as H;
    for (const key of Object.keys(g)) {
      if (key === 'params') continue;
      if (!(key in this.spec.hyper)) throw typeError(fn, `${at}${key}`, `one of the options ${Object.keys(this.spec.hyper).join(', ')}`, key);
      out[key as keyof H] = this.spec.hyper[key as keyof H].check(fn, `${at}${key}`, g[key]);
    }
    this.spec.checkGroup?.(fn, out, at);
    // Betas arrays are copied by their check; copy any other array default so groups never share one.
    for (const key of Object.keys(out) as (keyof H)[]) if (Array.isArray(out[key])) out[key] = [...(out[key] as unknown[])] as H[keyof H];
    this.paramGroups.push({ ...out, params: list });
  }

  /** Set every parameter's `.grad` to null (PyTorch's zero_grad(set_to_none=True)). */
  zeroGrad(): void {
    for (const g of this.paramGroups) for (const p of g.params) p.grad = null;
  }

  /** One update of every parameter that has a gradient. Runs without autograd recording. */
  step(): void {
    this.checkGroups();
    noGrad(() => {
      for (const group of this.paramGroups) this.updateGroup(group);
    });
  }

  /** Update one group's parameters (called under noGrad; implementations tidy their temporaries). */
  protected abstract updateGroup(group: ParamGroup<H>): void;

  /** The state of a parameter, created empty on first use. */
  protected stateOf(p: Tensor): ParamState {
    let s = this.state.get(p);
    if (s === undefined) this.state.set(p, (s = {}));
    return s;
  }

  /** Re-check hyperparameters before each step: they are public and mutable. */
  private checkGroups(): void {
    const fn = `${this.spec.name}.step`;
    this.paramGroups.forEach((g, i) => {
      for (const key of Object.keys(this.spec.hyper) as (keyof H & string)[]) {
        this.spec.hyper[key].check(fn, `paramGroups[${i}].${key}`, g[key]);
      }
      this.spec.checkGroup?.(fn, g, `paramGroups[${i}].`);
    });
  }

  /** PyTorch-layout state dict. State tensors are shared, not copied (clone them to snapshot). */
  stateDict(): OptimizerStateDict {
    const state: OptimizerStateDict['state'] = {};
    let index = 0;
    const paramGroups = this.paramGroups.map((g) => {
      const out: Record<string, unknown> = {};
      for (const key of Object.keys(this.spec.hyper) as (keyof H & string)[]) {
        const v = g[key];
        out[this.spec.hyper[key].torchKey] = Array.isArray(v) ? [...v] : v;
      }
      const params = g.params.map((p) => {
        const s = this.state.get(p);
        if (s !== undefined && Object.keys(s).length > 0) state[index] = { ...s };
        return index++;
      });
      return { ...out, params };
    });
    return { state, paramGroups };
  }

  /**
   * Load a state dict from stateDict() (or one converted from PyTorch): group hyperparameters are
   * taken from it, state tensors are copied to each parameter's dtype and device. Everything is
   * checked before anything changes, so a bad dict leaves the optimizer as it was.
   */
  loadStateDict(stateDict: OptimizerStateDict): void {
    const fn = `${this.spec.name}.loadStateDict`;
    const sd = plainObject(fn, 'stateDict', stateDict);
    const groups = sd['paramGroups'];
    if (!Array.isArray(groups)) throw typeError(fn, 'stateDict.paramGroups', 'an array of parameter groups', groups);
    const state = plainObject(fn, 'stateDict.state', sd['state']);
    if (groups.length !== this.paramGroups.length) {
      throw this.badDict(`it has ${groups.length} parameter group(s) but this optimizer has ${this.paramGroups.length}`);
    }
    const newHyper: H[] = groups.map((raw, i) => {
      const g = plainObject(fn, `stateDict.paramGroups[${i}]`, raw);
      const mine = this.paramGroups[i]!;
      if (!Array.isArray(g['params']) || g['params'].length !== mine.params.length) {
        throw this.badDict(
          `parameter group ${i} has ${Array.isArray(g['params']) ? g['params'].length : describe(g['params'])} parameter(s) but this optimizer's group ${i} has ${mine.params.length}`,
        );
      }
      const h = {} as H;
      for (const key of Object.keys(this.spec.hyper) as (keyof H & string)[]) {
        const spec = this.spec.hyper[key];
        const v = spec.torchKey in g ? g[spec.torchKey] : mine[key];
        h[key] = spec.check(fn, `stateDict.paramGroups[${i}].${spec.torchKey}`, v);
      }
      this.spec.checkGroup?.(fn, h, `stateDict.paramGroups[${i}].`);
      return h;
    });
    const flat = this.paramGroups.flatMap((g) => g.params);
    const loaded = new Map<Tensor, ParamState>();
    try {
      noGrad(() => {
        for (const [key, raw] of Object.entries(state)) {
          const index = Number(key);
          const p = Number.isInteger(index) ? flat[index] : undefined;
          if (p === undefined)
            throw this.badDict(`its state has an entry for parameter index '${key}' but this optimizer has parameters 0..${flat.length - 1}`);
          this.loadParamState(p, index, plainObject(fn, `stateDict.state[${key}]`, raw), loaded);
        }
      });
    } catch (err) {
      for (const s of loaded.values()) disposeState(s);
      throw err;
    }
    for (const s of this.state.values()) disposeState(s);
    this.state.clear();
    for (const [p, s] of loaded) this.state.set(p, s);
    newHyper.forEach((h, i) => Object.assign(this.paramGroups[i]!, h));
  }

  private loadParamState(p: Tensor, index: number, raw: Record<string, unknown>, loaded: Map<Tensor, ParamState>): void {
    const out: ParamState = {};
    loaded.set(p, out); // registered first so a failure part-way still frees what was copied
    // Unknown keys first: they usually mean another optimizer's state dict, the more useful message.
    for (const key of Object.keys(raw)) {
      if (!(key in this.spec.state))
        throw this.badDict(
          `state[${index}] has the key '${key}', which ${this.spec.name} does not use (expected keys: ${Object.keys(this.spec.state).join(', ')})`,
        );
    }
    for (const [key, want] of Object.entries(this.spec.state)) {
      if (want.required && !(key in raw)) throw this.badDict(`state[${index}] lacks '${key}' (expected keys: ${Object.keys(this.spec.state).join(', ')})`);
    }
    for (const [key, v] of Object.entries(raw)) {
      if (this.spec.state[key]!.kind === 'number') {
        // PyTorch keeps counters as 0-d tensors; sdarts as numbers.
        const n = v instanceof Tensor && !v.isDisposed && v.numel === 1 ? v.item() : v;
        if (typeof n !== 'number' || !Number.isFinite(n)) throw this.badDict(`state[${index}].${key} should be a finite number but is ${describeValue(v)}`);
        out[key] = n;
      } else {
        if (!(v instanceof Tensor) || v.isDisposed) throw this.badDict(`state[${index}].${key} should be a Tensor but is ${describeValue(v)}`);
        if (v.shape.join(',') !== p.shape.join(',')) {
          throw this.badDict(`state[${index}].${key} has shape [${v.shape.join(', ')}] but parameter ${index} has shape [${p.shape.join(', ')}]`);
        }
        out[key] = keep(v.to({ device: p.device, dtype: p.dtype, copy: true }));
      }
    }
  }

  private badDict(what: string): SdartsError {
    return new SdartsError(
      'ERR_SDARTS_OPTIM_STATE_DICT',
      `${this.spec.name}.loadStateDict(): the state dict does not fit this optimizer: ${what}. Load a state dict saved from the same optimizer over the same parameter groups.`,
    );
  }

  /** Free the state tensors (the optimizer starts from empty state if used again). */
  dispose(): void {
    for (const s of this.state.values()) disposeState(s);
    this.state.clear();
  }
}

function disposeState(s: ParamState): void {
  for (const v of Object.values(s)) if (v instanceof Tensor) v.dispose();
}
