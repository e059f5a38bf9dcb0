/**
 * The recurrent (PTB) models against their PyTorch twin (scripts/fixtures/rnn_twin.py, written from
 * docs/reference-notes.md R3.3–R3.4), ntoken 50, ninp = nhid = 8, T = 5, B = 3, dropouts 0.5/0.25/0.5/0.2/0.1:
 *   - same seed ⇒ bitwise the same initial weights (and α) as the twin's construction run now, and the same masks
 *     of the next training forward (float32; both sides draw with this machine's kernels);
 *   - with the twin's weights loaded, float64: the training forward with the twin's masks replayed (log-probs, next
 *     hidden, raw and dropped outputs, NLL, the gradient of every parameter and of α, BN running stats), the eval
 *     forward, and for the search model a 'weight'-mode forward with given simplex weights — at expectParity;
 *   - parameter counts by the formula of R3.4 (search 300-d: 4 810 000; evaluation 850-d: 22 960 000);
 *   - the genotype rule of R3.4, the config errors, and flat live-tensor counts over 50 forwards + backwards.
 */
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { grad, loadSafetensors, manualSeed, memory, noGrad, randint, tidy, type NamedTensors, type Tensor } from '../../src/index.js';
import { getRnnGenotype, deriveRnnGenotype, formatRnnGenotype } from '../../src/space/genotype/index.js';
import { RnnModel, RnnSearchModel, drawRnnMasks, type RnnMasks } from '../../src/space/rnn/index.js';
import type { RnnLanguageModel } from '../../src/space/rnn/rnn-language-model.js';
import type { RnnCellBase } from '../../src/space/rnn/rnn-cell-base.js';
import { FIXTURES } from '../helpers/fixture.js';
import { runPython } from '../helpers/python.js';
import { expectParity } from '../helpers/tolerance.js';

const DIR = join(FIXTURES, 'rnn');
const KINDS = ['DARTS_V2', 'penn_pgd', 'search'] as const;
type Kind = (typeof KINDS)[number];

interface Meta {
  kind: Kind;
  ntoken: number;
  n: number;
  T: number;
  B: number;
  dropout: number;
  dropouth: number;
  dropoutx: number;
  dropouti: number;
  dropoute: number;
  parameterNames: string[];
  numParameters: number;
}

type AnyModel = RnnLanguageModel<RnnCellBase> & {
  loss(h: Tensor, x: Tensor, y: Tensor, w?: Tensor): { loss: Tensor; logProb: Tensor; hidden: Tensor; rawOutput: Tensor; droppedOutput: Tensor };
};

function load(kind: Kind): { meta: Meta; T: NamedTensors } {
  const meta = JSON.parse(readFileSync(join(DIR, `model-${kind}.json`), 'utf8')) as Meta;
  return { meta, T: loadSafetensors(join(DIR, `model-${kind}.safetensors`)).tensors };
}

function build(kind: Kind, meta: Meta, dtype: 'float32' | 'float64' = 'float32'): AnyModel {
  const o = {
    ntoken: meta.ntoken,
    ninp: meta.n,
    nhid: meta.n,
    nhidlast: meta.n,
    dropout: meta.dropout,
    dropouth: meta.dropouth,
    dropoutx: meta.dropoutx,
    dropouti: meta.dropouti,
    dropoute: meta.dropoute,
    dtype,
  };
  return (kind === 'search' ? new RnnSearchModel(o) : new RnnModel({ ...o, genotype: getRnnGenotype(kind) })) as unknown as AnyModel;
}

function prefixed(T: NamedTensors, prefix: string): NamedTensors {
  return Object.fromEntries(
    Object.entries(T)
      .filter(([k]) => k.startsWith(prefix))
      .map(([k, v]) => [k.slice(prefix.length), v]),
  );
}

function masksOf(T: NamedTensors, prefix: string): RnnMasks {
  return { emb: T[`${prefix}emb`] ?? null, input: T[`${prefix}input`] ?? null, x: T[`${prefix}x`]!, h: T[`${prefix}h`]!, output: T[`${prefix}output`] ?? null };
}

function same(a: Tensor, b: Tensor, label: string): void {
  expect(a.shape, `${label} shape`).toEqual(b.shape);
  expect(a.dtype, `${label} dtype`).toBe(b.dtype);
  expect(a.toArray(), label).toEqual(b.toArray());
}

describe('recurrent models: seeded construction and mask draws against PyTorch run now', () => {
  it('same seed ⇒ bitwise the initial state dict (keys in order), α, and the next training forward’s masks', () => {
    const dir = mkdtempSync(join(tmpdir(), 'sdarts-rnn-init-'));
    try {
      runPython('scripts/fixtures/rnn_twin.py', ['--write-init', dir, '--init-sizes', '50,8']);
      for (const kind of KINDS) {
        const twin = loadSafetensors(join(dir, `init-${kind}.safetensors`)).tensors;
        const { meta } = load(kind);
        manualSeed(0);
        const model = build(kind, meta);
        const sd = model.stateDict();
        const w = prefixed(twin, 'w.');
        expect(new Set(Object.keys(sd)), kind).toEqual(new Set(Object.keys(w)));
        for (const [k, t] of Object.entries(sd)) same(t, w[k]!, `${kind} ${k}`);
        if (model instanceof RnnSearchModel) same(model.archParameters()[0]!, twin['alpha']!, `${kind} alpha`);
        const m = drawRnnMasks(model.dropouts, { ntoken: 50, ninp: 8, nhid: 8, batch: 3, device: 'cpu', dtype: 'float32' });
        for (const k of ['emb', 'input', 'x', 'h', 'output'] as const) same(m[k]!, twin[`mask.${k}`]!, `${kind} mask ${k}`);
        Object.values(m).forEach((t) => t?.dispose());
        model.dispose();
      }
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });

  it('a training forward without a mask source draws exactly drawRnnMasks’s masks, in that order', () => {
    manualSeed(3);
    const model = new RnnSearchModel({ ntoken: 20, ninp: 4, dropout: 0.5, dropouth: 0.3, dropoutx: 0.4, dropouti: 0.2, dropoute: 0.1, dtype: 'float64' });
    tidy(() => {
      const x = randint(0, 20, [3, 2]);
      const h = model.initHidden(2);
      manualSeed(11);
      const drawn = model.forward(x, h).logProb;
      manualSeed(11);
      const m = drawRnnMasks(model.dropouts, { ntoken: 20, ninp: 4, nhid: 4, batch: 2, device: 'cpu', dtype: 'float64' });
      model.setMaskSource(() => m);
      same(model.forward(x, h).logProb, drawn, 'log-probs');
      model.setMaskSource(null);
    });
    model.dispose();
  });
});

describe('recurrent models against the PyTorch twin (float64)', () => {
  for (const kind of KINDS) {
    it(`${kind}: train forward with replayed masks (outputs, NLL, gradients, BN stats), eval forward${kind === 'search' ? ', weight mode' : ''}`, () => {
      const { meta, T } = load(kind);
      const model = build(kind, meta, 'float64');
      expect(model.loadStateDict(prefixed(T, 'w.'))).toEqual({ missingKeys: [], unexpectedKeys: [] });
      const alpha = model instanceof RnnSearchModel ? model.archParameters()[0]! : null;
      if (alpha) noGrad(() => alpha.copy_(T['alpha']!));
      expect(model.numParameters()).toBe(meta.numParameters);
      expect(model.namedParameters().map(([k]) => k)).toEqual(meta.parameterNames);
      tidy(() => {
        const x = T['x']!,
          y = T['y']!,
          hidden = T['hidden']!;
        let calls = 0;
        model.setMaskSource(() => {
          calls++;
          return masksOf(T, 'train.mask.');
        });
        model.train();
        const tr = model.loss(hidden, x, y);
        expect(calls).toBe(1);
        for (const k of ['logProb', 'hidden', 'rawOutput', 'droppedOutput'] as const) expectParity(tr[k], T[`train.${k}`]!, `${kind} train ${k}`);
        expectParity(tr.loss, T['train.loss']!, `${kind} train loss`);
        const params = model.parameters();
        const wrt = alpha ? [...params, alpha] : params;
        const gs = grad(tr.loss, wrt);
        [...meta.parameterNames, ...(alpha ? ['alpha'] : [])].forEach((k, i) => expectParity(gs[i]!, T[`train.grad.${k}`]!, `${kind} grad ${k}`));
        if (alpha) for (const [k, b] of model.cell.namedBuffers()) if (k.startsWith('bn.')) expectParity(b, T[`train.${k}`]!, `${kind} ${k}`);
        model.eval();
        const ev = model.loss(hidden, x, y);
        expect(calls).toBe(1);
        for (const k of ['logProb', 'hidden', 'rawOutput', 'droppedOutput'] as const) expectParity(ev[k], T[`eval.${k}`]!, `${kind} eval ${k}`);
        expectParity(ev.loss, T['eval.loss']!, `${kind} eval loss`);
        if (alpha) {
          const wm = model.loss(hidden, x, y, T['weight.archWeights']!);
          expectParity(wm.logProb, T['weight.logProb']!, 'weight-mode log-probs');
          expectParity(wm.hidden, T['weight.hidden']!, 'weight-mode hidden');
          expectParity(wm.loss, T['weight.loss']!, 'weight-mode loss');
        }
        model.setMaskSource(null);
      });
      model.dispose();
      Object.values(T).forEach((t) => t.dispose());
    });
  }
});

interface StepMeta {
  unrolled: boolean;
  ntoken: number;
  n: number;
  dropout: number;
  dropouth: number;
  dropoutx: number;
  dropouti: number;
  dropoute: number;
  beta: number;
  steps: { archLoss: number; loss: number; nll: number; numMasks: number }[];
}

describe('the search-step fixtures (test/fixtures/rnn/step-*) agree with the search model', () => {
  // What a model forward alone can confirm: each step's weight-step forward (from the weights the step starts with,
  // its recorded last masks and its archWeights) gives the recorded NLL, NLL + TAR and next train hidden; the
  // first-order architect forward gives the recorded valid loss and next valid hidden.
  for (const perturb of ['none', 'random', 'pgd_linf']) {
    for (const order of ['1st', '2nd']) {
      it(`step-${perturb}-${order}: weight-step forwards${order === '1st' ? ' and architect forwards' : ''} of both steps`, () => {
        const name = `step-${perturb}-${order}`;
        const meta = JSON.parse(readFileSync(join(DIR, `${name}.json`), 'utf8')) as StepMeta;
        const T = loadSafetensors(join(DIR, `${name}.safetensors`)).tensors;
        const model = new RnnSearchModel({ ...meta, ninp: meta.n, dtype: 'float64' });
        const alpha = model.archParameters()[0]!;
        meta.steps.forEach((st, k) => {
          const p = `s${k}.`;
          const start = k === 0 ? prefixed(T, 'w.') : prefixed(T, `s${k - 1}.after.`);
          model.loadStateDict(start);
          noGrad(() => alpha.copy_(k === 0 ? T['alpha']! : T[`s${k - 1}.alpha`]!));
          model.train();
          tidy(() => {
            if (!meta.unrolled) {
              model.setMaskSource(() => masksOf(T, `${p}mask0.`));
              const a = model.loss(T[`${p}hiddenValid`]!, T[`${p}xValid`]!, T[`${p}yValid`]!);
              expectParity(a.loss, st.archLoss, `${name} step ${k} arch loss`);
              expectParity(a.hidden, T[`${p}hiddenValidAfter`]!, `${name} step ${k} valid hidden`);
            }
            model.setMaskSource(() => masksOf(T, `${p}mask${st.numMasks - 1}.`));
            const o = model.loss(T[`${p}hiddenTrain`]!, T[`${p}xTrain`]!, T[`${p}yTrain`]!, T[`${p}archWeights`]!);
            const n = o.rawOutput.shape[0]!;
            const tar = o.rawOutput
              .slice(0, 1, n)
              .sub(o.rawOutput.slice(0, 0, n - 1))
              .square()
              .mean()
              .mul(meta.beta);
            expectParity(o.loss, st.nll, `${name} step ${k} nll`);
            expectParity(o.loss.add(tar), st.loss, `${name} step ${k} loss`);
            expectParity(o.hidden, T[`${p}hiddenTrainAfter`]!, `${name} step ${k} train hidden`);
          });
          model.setMaskSource(null);
        });
        model.dispose();
        Object.values(T).forEach((t) => t.dispose());
      });
    }
  }
});

describe('recurrent models: sizes, genotype, errors, memory', () => {
  it('parameter counts by the formula of R3.4: search 300-d 4 810 000, evaluation 850-d 22 960 000 (tied weight once)', () => {
    const s = new RnnSearchModel({ ntoken: 10000 });
    // 10 000·300 (tied) + 10 000 + 600·600 + 8·300·600
    expect(s.numParameters()).toBe(10000 * 300 + 10000 + 600 * 600 + 8 * 300 * 600);
    expect(s.numParameters()).toBe(4_810_000);
    expect(s.parameters()).not.toContain(s.archParameters()[0]);
    s.dispose();
    const e = new RnnModel({ ntoken: 10000, genotype: getRnnGenotype('DARTS_V2') });
    expect(e.numParameters()).toBe(10000 * 850 + 10000 + 1700 * 1700 + 8 * 850 * 1700);
    expect(e.numParameters()).toBe(22_960_000);
    expect(e.dropouts).toEqual({ dropout: 0.75, dropouth: 0.25, dropoutx: 0.75, dropouti: 0.2, dropoute: 0.1 });
    e.dispose();
  });

  it('state dict: PyTorch keys, the tied weight under both names; buffers() are the BN running stats; softmaxWeights are new tensors', () => {
    manualSeed(1);
    const m = new RnnSearchModel({ ntoken: 12, ninp: 4 });
    const keys = Object.keys(m.stateDict());
    expect(keys).toEqual([
      'encoder.weight',
      'rnns.0._W0',
      ...Array.from({ length: 8 }, (_, i) => `rnns.0._Ws.${i}`),
      'rnns.0.bn.running_mean',
      'rnns.0.bn.running_var',
      'rnns.0.bn.num_batches_tracked',
      'decoder.weight',
      'decoder.bias',
    ]);
    expect(m.stateDict()['decoder.weight']).toBe(m.stateDict()['encoder.weight']);
    expect(m.namedBuffers().map(([k]) => k)).toEqual(['rnns.0.bn.running_mean', 'rnns.0.bn.running_var', 'rnns.0.bn.num_batches_tracked']);
    const [p] = m.softmaxWeights();
    expect(p).not.toBe(m.archParameters()[0]);
    expect(
      p!
        .sum(-1)
        .toArray()
        .every((v) => Math.abs(v - 1) < 1e-6),
    ).toBe(true);
    p!.dispose();
    m.dispose();
  });

  it('genotype(): per node the predecessor with the largest non-none probability, then its best activation; concat 1..8', () => {
    // Rows of node i+1 are start..start+i. Build probabilities where the rule's choice is known by construction.
    const rows: number[][] = [];
    const want: [string, number][] = [];
    const acts = ['tanh', 'relu', 'sigmoid', 'identity'];
    for (let i = 0; i < 8; i++) {
      const j = i % 2 === 0 ? 0 : i; // alternate: state 0 or the newest state
      const k = 1 + (i % 4);
      for (let p = 0; p <= i; p++) {
        const r = [0.9, 0.025, 0.025, 0.025, 0.025]; // 'none' largest everywhere: never chosen
        if (p === j) r[k] = 0.05;
        rows.push(r);
      }
      want.push([acts[k - 1]!, j]);
    }
    const g = deriveRnnGenotype(rows);
    expect(g.recurrent).toEqual(want);
    expect(g.concat).toEqual([1, 2, 3, 4, 5, 6, 7, 8]);
    // ties: the lowest predecessor, the first activation
    const flat = deriveRnnGenotype(Array.from({ length: 36 }, () => [0.2, 0.2, 0.2, 0.2, 0.2]));
    expect(formatRnnGenotype(flat)).toBe(
      "Genotype(recurrent=[('tanh', 0), ('tanh', 0), ('tanh', 0), ('tanh', 0), ('tanh', 0), ('tanh', 0), ('tanh', 0), ('tanh', 0)], concat=range(1, 9))",
    );
    manualSeed(0);
    const m = new RnnSearchModel({ ntoken: 10, ninp: 4 });
    noGrad(() => m.archParameters()[0]!.copy_(tidy(() => m.archParameters()[0]!.mul(0))));
    expect(m.genotype()).toEqual(flat);
    m.dispose();
  });

  it('config errors: ninp ≠ nhid ≠ nhidlast (ERR_SDARTS_CONFIG), bad dropout, bad masks from a source', () => {
    const g = getRnnGenotype('DARTS_V2');
    expect(() => new RnnModel({ ntoken: 10, ninp: 4, nhid: 5, genotype: g })).toThrow(expect.objectContaining({ code: 'ERR_SDARTS_CONFIG' }));
    expect(() => new RnnSearchModel({ ntoken: 10, ninp: 4, nhid: 4, nhidlast: 6 })).toThrow(/must be equal/);
    expect(() => new RnnSearchModel({ ntoken: 10, ninp: 4, dropout: 1 })).toThrow(/dropout/);
    const m = new RnnSearchModel({ ntoken: 10, ninp: 4 });
    tidy(() => {
      const h = m.initHidden(2);
      const x = randint(0, 10, [3, 2]);
      m.setMaskSource(() => ({ emb: null, input: h.select(0, 0).unsqueeze(0), x: h.select(0, 0), h: h.select(0, 0).slice(1, 0, 3), output: h }));
      expect(() => m.forward(x, h)).toThrow(/masks\.h/);
      m.setMaskSource(null);
      expect(() => m.forward(x, m.initHidden(3))).toThrow(/hidden/);
    });
    m.dispose();
  });

  it('50 training forwards + backwards of the search model leave the live-tensor count and bytes unchanged', () => {
    manualSeed(0);
    const m = new RnnSearchModel({ ntoken: 30, ninp: 6, dropoute: 0.1 });
    const x = randint(0, 30, [4, 3]),
      y = randint(0, 30, [4, 3]);
    let hidden = m.initHidden(3);
    const step = (weights: boolean): void => {
      const next = tidy(() => {
        const w = weights ? m.softmaxWeights()[0]!.detach() : undefined;
        const out = m.loss(hidden, x, y, w);
        out.loss.backward();
        return out.hidden.detach();
      });
      hidden.dispose();
      hidden = next;
      m.zeroGrad();
      m.archParameters()[0]!.grad = null;
    };
    m.train();
    step(false);
    const before = memory();
    for (let i = 0; i < 50; i++) step(i % 2 === 0);
    const after = memory();
    expect(after.liveTensors).toBe(before.liveTensors);
    expect(after.bytes).toEqual(before.bytes);
    hidden.dispose();
    x.dispose();
    y.dispose();
    m.dispose();
  });
});
