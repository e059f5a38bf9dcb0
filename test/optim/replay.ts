/**
 * Shared by the optimizer tests: the fixture (written by scripts/fixtures/make_optim_fixtures.py),
 * the same tiny model as the script, and building an optimizer from a fixture case.
 */
import { join } from 'node:path';
import { F, keep, loadSafetensors, tidy, type Tensor } from '../../src/index.js';
import { Adam, ASGD, SGD, type Optimizer } from '../../src/optim/index.js';
import { FIXTURES, loadFixture } from '../helpers/fixture.js';

/** The float64 twin run of a case (tensors under `f64.<case>.*`). */
export interface Float64Run {
  losses: number[];
  clipTotalNorms: number[];
  stateNumbers: Record<string, Record<string, number>>;
}

export interface FixtureCase {
  optimizer: 'SGD' | 'Adam' | 'ASGD';
  options: Record<string, unknown>;
  groups: ({ params: string[] } & Record<string, unknown>)[];
  clipMaxNorm: number | null;
  losses: number[];
  clipTotalNorms: number[];
  stateNumbers: Record<string, Record<string, number>>;
  stateKeys: Record<string, string[]>;
  torchParamGroups: (Record<string, unknown> & { params: number[] })[];
  float64: Float64Run;
}

export interface OptimFixture {
  script: string;
  torch: string;
  seed: number;
  steps: number;
  paramNames: string[];
  cases: Record<string, FixtureCase>;
  clip: { params: number[][]; cases: { maxNorm: number; normType: number | 'inf'; totalNorm: number }[] };
  cosine: { baseLrs: number[]; tMax: number; etaMin: number; closedForm: number[][]; recursive: number[][]; stateDictKeys: string[] };
}

export const fixture = loadFixture<OptimFixture>('optim/optim.json');
/** All fixture tensors (kept: they outlive every test's tidy scope). */
export const T: Record<string, Tensor> = loadSafetensors(join(FIXTURES, 'optim', 'optim.safetensors')).tensors;
for (const t of Object.values(T)) keep(t);

/** Fresh leaf parameters with the fixture's initial values (float32, or cast to float64: exact). */
export function initialParams(dtype: 'float32' | 'float64' = 'float32'): Record<string, Tensor> {
  const P: Record<string, Tensor> = {};
  for (const n of fixture.paramNames) P[n] = keep(T[`init.${n}`]!.to({ dtype, copy: true }).requiresGrad_(true));
  return P;
}

/** The script's forward: conv(stride 2, pad 1) → relu → flatten → fc1 → tanh → fc2. */
export function forward(P: Record<string, Tensor>, x: Tensor): Tensor {
  const h = F.conv2d(x, P['conv_w']!, null, { stride: 2, padding: 1 }).relu().flatten(1);
  return F.linear(F.linear(h, P['fc1_w']!, P['fc1_b']!).tanh(), P['fc2_w']!);
}

/**
 * loss → backward for batch k (gradients accumulate into the params' .grad); returns the loss. The
 * batch is cast to the parameters' dtype, as the script's float64 run does.
 */
export function lossBackward(P: Record<string, Tensor>, k: number): number {
  return tidy(() => {
    const dtype = P[fixture.paramNames[0]!]!.dtype;
    const x = dtype === 'float32' ? T[`batch.${k}.x`]! : T[`batch.${k}.x`]!.to(dtype);
    const loss = F.crossEntropy(forward(P, x), T[`batch.${k}.y`]!);
    loss.backward();
    return loss.item();
  });
}

const CAMEL: Record<string, string> = { weight_decay: 'weightDecay' };
function camel(o: Record<string, unknown>): Record<string, unknown> {
  return Object.fromEntries(
    Object.entries(o)
      .filter(([k]) => k !== 'params')
      .map(([k, v]) => [CAMEL[k] ?? k, v]),
  );
}

/** The case's optimizer over P, with the same groups and overrides as the script. */
export function makeOptimizer(c: FixtureCase, P: Record<string, Tensor>): Optimizer<{ lr: number }> {
  const groups = c.groups.map((g) => ({ ...camel(g), params: g.params.map((n) => P[n]!) }));
  const ctor = { SGD, Adam, ASGD }[c.optimizer] as unknown as new (p: unknown, o: unknown) => Optimizer<{ lr: number }>;
  return new ctor(groups, camel(c.options));
}

/** Parameter names in flat (group) order, which is the state-dict index order. */
export function order(c: FixtureCase): string[] {
  return c.groups.flatMap((g) => g.params);
}

/** Release every parameter and the optimizer's state. */
export function release(P: Record<string, Tensor>, opt?: { dispose(): void }): void {
  opt?.dispose();
  for (const p of Object.values(P)) p.dispose();
}
