/**
 * `--batch-order reference`: the search loader draws its train order, per-step validation batches and
 * validation passes from LibTorch's global generator exactly as PyTorch's DataLoader +
 * SubsetRandomSampler do in the reference's loops. Compared with PyTorch run live on this machine
 * (scripts/fixtures/reference_batch_order.py): the same dataset indices batch by batch, and the same
 * generator state at the end (so every later draw — perturbation noise, PGD starts — lines up too).
 */
import { describe, expect, it } from 'vitest';
import { getRngState, manualSeed, setRngState } from '../../src/index.js';
import { SearchDataLoader, type SearchLoaderState, type ValidMode } from '../../src/data/loader.js';
import { evalTransform } from '../../src/data/transforms.js';
import type { ImageDataset } from '../../src/data/dataset.js';
import { runPython } from '../helpers/python.js';

interface Reference { epochs: { train: number[][]; valid: number[][]; infer: number[][] }[]; state: number[] }

function dataset(n: number): ImageDataset {
  return { name: 'synthetic', n, channels: 1, height: 2, width: 2, classes: 10, images: new Uint8Array(n * 4), labels: Int32Array.from({ length: n }, (_, i) => i % 10) };
}

const ids = (a: Int32Array): number[] => Array.from(a);

function loader(nTrain: number, nValid: number, batch: number, validMode: ValidMode): SearchDataLoader {
  return new SearchDataLoader(dataset(nTrain + nValid), { batchSize: batch, seed: 0, trainPortion: nTrain / (nTrain + nValid), validMode, batchOrder: 'reference', transform: evalTransform({ mean: [0], std: [1] }) });
}

describe('--batch-order reference draws what the reference DataLoader draws', () => {
  for (const [validMode, nTrain, nValid, batch] of [['fresh', 50, 50, 8], ['cycling', 40, 23, 7]] as const) {
    it(`${validMode} validation, ${nTrain}/${nValid} split, batch ${batch}: same batches, passes and final generator state as PyTorch`, () => {
      const ref = JSON.parse(runPython('scripts/fixtures/reference_batch_order.py', ['7', String(nTrain), String(nValid), String(batch), '2', validMode])) as Reference;
      manualSeed(7);
      const l = loader(nTrain, nValid, batch, validMode);
      ref.epochs.forEach((want, e) => {
        const got = { train: [] as number[][], valid: [] as number[][], infer: [] as number[][] };
        for (const b of l.epochBatches(e)) {
          got.train.push(ids(b.train.indices));
          got.valid.push(ids(b.valid.indices));
          b.dispose();
        }
        for (const v of l.validPass()) {
          got.infer.push(ids(v.indices));
          v.dispose();
        }
        expect(got, `epoch ${e}`).toEqual(want);
      });
      expect(Array.from(getRngState()), 'generator state after two epochs').toEqual(ref.state);
    });

    it(`${validMode}: a loader restored mid-epoch (generator state + loader state) continues with the same batches`, () => {
      manualSeed(3);
      const a = loader(nTrain, nValid, batch, validMode);
      const it0 = a.epochBatches(0);
      for (let k = 0; k < 3; k++) it0.next().value!.dispose();
      const saved: SearchLoaderState = JSON.parse(JSON.stringify(a.getState()));
      const torch = getRngState();
      const rest = [...it0].map((b) => { const r = [ids(b.train.indices), ids(b.valid.indices)]; b.dispose(); return r; });
      const next = [...a.epochBatches(1)].map((b) => { const r = ids(b.train.indices); b.dispose(); return r; });

      manualSeed(99); // anything: the restore must not depend on the generator's state before it
      const b = loader(nTrain, nValid, batch, validMode);
      setRngState(torch);
      b.setState(saved);
      expect([...b.epochBatches(0)].map((x) => { const r = [ids(x.train.indices), ids(x.valid.indices)]; x.dispose(); return r; })).toEqual(rest);
      expect([...b.epochBatches(1)].map((x) => { const r = ids(x.train.indices); x.dispose(); return r; })).toEqual(next);
    });
  }

  it('a state written by the other order is refused with the flag to use', () => {
    const sd = new SearchDataLoader(dataset(20), { batchSize: 4, seed: 0, transform: evalTransform({ mean: [0], std: [1] }) });
    const state = sd.getState();
    expect(() => loader(10, 10, 4, 'fresh').setState(state)).toThrow(/sdarts order but this one uses the reference order \(--batch-order\)/);
  });
});
