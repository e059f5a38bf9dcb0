/** Gradients: autograd.grad (second order via createGraph), grad-mode scopes. */
import { native } from './native.js';
import { Tensor } from './tensor.js';
import { boolArg, relabel, tensorListArg } from './check.js';
import { typeError } from '../util/errors.js';

export interface GradOptions {
  gradOutputs?: Tensor[] | null;
  retainGraph?: boolean;
  createGraph?: boolean;
  allowUnused?: boolean;
}

/**
 * torch.autograd.grad: gradients of `outputs` w.r.t. `inputs` (null for unused inputs when
 * allowUnused). With createGraph the results are differentiable (Hessian-vector products).
 */
export function grad(outputs: Tensor | Tensor[], inputs: Tensor | Tensor[], options: GradOptions = {}): (Tensor | null)[] {
  const fn = 'grad';
  if (options === null || typeof options !== 'object')
    throw typeError(fn, 'options', 'an options object { createGraph, retainGraph, allowUnused, gradOutputs }', options);
  const outs = tensorListArg(fn, 'outputs', Array.isArray(outputs) ? outputs : [outputs]);
  const ins = tensorListArg(fn, 'inputs', Array.isArray(inputs) ? inputs : [inputs]);
  const go = options.gradOutputs === undefined || options.gradOutputs === null ? null : tensorListArg(fn, 'gradOutputs', options.gradOutputs);
  if (go !== null && go.length !== outs.length) throw typeError(fn, 'gradOutputs', `${outs.length} tensor(s), one per output`, options.gradOutputs);
  const create = boolArg(fn, 'createGraph', options.createGraph ?? false);
  const retain = boolArg(fn, 'retainGraph', options.retainGraph ?? create);
  const unused = boolArg(fn, 'allowUnused', options.allowUnused ?? false);
  let hs: number[];
  try {
    hs = native().autogradGrad(outs, ins, go, retain, create, unused);
  } catch (e) {
    return relabel(e, fn);
  }
  return hs.map((h) => (h < 0 ? null : new Tensor(h)));
}

function withGradMode<T>(enabled: boolean, fn: () => T): T {
  if (typeof fn !== 'function') throw typeError(enabled ? 'enableGrad' : 'noGrad', 'fn', 'a function', fn);
  const prev = native().setGradEnabled(enabled);
  try {
    return fn();
  } finally {
    native().setGradEnabled(prev);
  }
}

/** Run `fn` with gradient recording off (torch.no_grad). Synchronous. */
export function noGrad<T>(fn: () => T): T {
  return withGradMode(false, fn);
}

/** Run `fn` with gradient recording on (torch.enable_grad). Synchronous. */
export function enableGrad<T>(fn: () => T): T {
  return withGradMode(true, fn);
}

export function isGradEnabled(): boolean {
  return native().isGradEnabled();
}

/** Set `.grad` of each tensor to null (PyTorch's zero_grad(set_to_none=True)). */
export function zeroGrad(tensors: Tensor[]): void {
  tensorListArg('zeroGrad', 'tensors', tensors, 0);
  for (const t of tensors) t.grad = null;
}
