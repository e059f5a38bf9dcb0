/** Autograd: backward, .grad, second-order Hessian-vector products (fixture from PyTorch), grad modes. */
import { describe, expect, it } from 'vitest';
import { F, grad, noGrad, enableGrad, isGradEnabled, tensor, tidy, zeroGrad, type Tensor } from '../../src/index.js';
import { expectTensorClose, fromEnc, loadFixture, type EncodedTensor } from '../helpers/fixture.js';
import { expectClose } from '../helpers/tolerance.js';

const fx = loadFixture<{ hvp: Record<string, EncodedTensor> & { loss: number } }>('tensor/ops.json').hvp;

describe('second-order autograd', () => {
  it('Hessian-vector product through conv → batchNorm → relu → pool → linear → CE matches PyTorch', () => {
    tidy(() => {
      const x = fromEnc(fx.x),
        y = fromEnc(fx.y);
      const w = fromEnc(fx.w, true),
        lin = fromEnc(fx.lin, true);
      const lossFn = (): Tensor => {
        let h = F.conv2d(x, w, null, { padding: 1 });
        h = F.batchNorm(h, null, null, { training: true });
        h = F.adaptiveAvgPool2d(F.relu(h), 1).flatten(1);
        return F.crossEntropy(F.linear(h, lin), y);
      };
      const loss = lossFn();
      expectClose(loss.item(), fx.loss, 'float32', 'reduction', 'loss');
      const [gw, gl] = grad(loss, [w, lin], { createGraph: true });
      expectTensorClose(gw!, fx.gw, 'reduction', 'dL/dw');
      expectTensorClose(gl!, fx.gl, 'reduction', 'dL/dlin');
      const vw = fromEnc(fx.vw),
        vl = fromEnc(fx.vl);
      const [hw, hl] = grad(gw!.mul(vw).sum().add(gl!.mul(vl).sum()), [w, lin]);
      // Second derivatives go through a forward and two backward passes: compared at the step tolerance.
      expectTensorClose(hw!, fx.hw, 'step', 'Hv (w)');
      expectTensorClose(hl!, fx.hl, 'step', 'Hv (lin)');
    });
  });
});

describe('backward and .grad', () => {
  it('accumulates into .grad across calls and zeroGrad resets it', () => {
    const w = tensor([1, 2, 3], { requiresGrad: true });
    tidy(() => w.mul(w).sum().backward());
    tidy(() => w.mul(w).sum().backward());
    expect(w.grad!.toArray()).toEqual([4, 8, 12]); // d/dw Σw² = 2w, twice
    zeroGrad([w]);
    expect(w.grad).toBeNull();
    w.dispose();
  });
  it('retainGraph allows a second backward; without it LibTorch refuses with a clean JS error', () => {
    const w = tensor([2], { requiresGrad: true });
    const y = w.mul(w).mul(w);
    y.backward(null, { retainGraph: true });
    y.backward();
    expect(w.grad!.toArray()).toEqual([24]); // 3w² twice
    const z = w.exp();
    z.backward();
    let err: any;
    try {
      z.backward();
    } catch (e) {
      err = e;
    }
    expect(err.code).toBe('ERR_SDARTS_TORCH');
    expect(err.message).toMatch(/^backward\(\): Trying to backward through the graph a second time/);
    expect(err.message).not.toMatch(/Exception raised from|\.cpp:/);
    [w, y, z].forEach((t) => t.dispose());
  });
  it('noGrad disables recording and restores the previous mode, enableGrad re-enables inside', () => {
    const w = tensor([1], { requiresGrad: true });
    expect(isGradEnabled()).toBe(true);
    const r = noGrad(() => {
      const a = w.mul(2);
      const b = enableGrad(() => w.mul(2));
      return [a.requiresGrad, b.requiresGrad, isGradEnabled()];
    });
    expect(r).toEqual([false, true, false]);
    expect(isGradEnabled()).toBe(true);
    w.dispose();
  });
  it('detach cuts the graph; allowUnused gives null for unused inputs', () => {
    tidy(() => {
      const a = tensor([3], { requiresGrad: true }),
        b = tensor([5], { requiresGrad: true });
      const y = a.mul(a.detach());
      expect(grad(y.sum(), [a, b], { allowUnused: true }).map((g) => (g ? g.toArray() : null))).toEqual([[3], null]);
    });
  });
});

// Out-of-place pointwise ops enter the dispatcher below autograd when it has nothing to record
// (native/pointwise_ops.cc). These cases pin PyTorch's rules for when a result records a graph.
describe('autograd recording of out-of-place pointwise ops (dispatch shortcut)', () => {
  it('records exactly when grad mode is on and an input requires grad', () => {
    tidy(() => {
      const w = tensor([1.5, -2], { requiresGrad: true }),
        x = tensor([0.5, 3]);
      const cases: [string, () => Tensor, boolean][] = [
        ['w.add(x)', () => w.add(x), true],
        ['x.mul(w)', () => x.mul(w), true],
        ['x.add(x)', () => x.add(x), false],
        ['w.mul(2)', () => w.mul(2), true],
        ['x.mul(2)', () => x.mul(2), false],
        ['w.exp()', () => w.exp(), true],
        ['x.exp()', () => x.exp(), false],
        ['noGrad w.add(w)', () => noGrad(() => w.add(w)), false],
        ['noGrad w.exp()', () => noGrad(() => w.exp()), false],
        ['noGrad w.sub(3)', () => noGrad(() => w.sub(3)), false],
      ];
      for (const [label, make, records] of cases) {
        const r = make();
        expect([label, r.requiresGrad, r.isLeaf]).toEqual([label, records, !records]);
      }
    });
  });
  it('a result made without a graph can become a leaf and receives gradients (d/dc Σc² = 2c)', () => {
    tidy(() => {
      const c = tensor([1, 2]).add(tensor([0.5, -4]));
      c.requiresGrad = true;
      c.mul(c).sum().backward();
      expect(c.grad!.toArray()).toEqual([3, -4]);
    });
  });
  it('an in-place change to such a result, saved for backward, is still caught by its version counter', () => {
    tidy(() => {
      const w = tensor([1, 2], { requiresGrad: true });
      const s = tensor([0, 1]).exp(); // made below autograd (no input requires grad)
      const y = w.mul(s).sum(); // saves s for backward
      s.add_(1);
      let err: any;
      try {
        y.backward();
      } catch (e) {
        err = e;
      }
      expect(err?.code).toBe('ERR_SDARTS_TORCH');
      expect(err.message).toMatch(/modified by an inplace operation/);
    });
  });
});
