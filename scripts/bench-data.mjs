#!/usr/bin/env node
// npm run bench:data — is data loading negligible next to a search step?
//
// Times the real SearchDataLoader on a synthetic CIFAR-shaped train split (uint8 3×32×32, 50 000
// images unless --images): one search step's data = a train batch AND a valid batch of 64, both with
// RandomCrop(32, 4) + flip + Normalize + Cutout(16, p=1), made into x/y/xValid/yValid tensors on
// --device inside a tidy (the exact consumer pattern). For comparison it also times the design not
// taken: crop/flip on uint8 bytes, a uint8 upload, then cast/scale/normalise/cutout-mask on the device.
//
// The step it is compared against: --step-ms <ms> (e.g. a measured search step on the GPU), else a
// PROXY measured here on --device: forward + backward of stem conv 3→48 (3×3) + BN + ReLU, two
// [conv 48→48 (3×3) + BN + ReLU] and GAP + linear + cross-entropy on the same batch of 64. A real
// DARTS search step runs ≥ 2 forward/backward passes of an 8-cell supernet with 8 ops per edge, so it
// costs far more than the proxy: a PASS against the proxy is conservative.
//
// Usage: node scripts/bench-data.mjs [--device cpu|cuda] [--threads 1] [--steps 100] [--images 50000]
//                                    [--batch 64] [--step-ms N] [--proxy-reps 3]
import { randomFillSync } from 'node:crypto';
import { F, cuda, randn, setNumThreads, tensor, tidy, zeros } from '../dist/index.js';
import { SearchDataLoader } from '../dist/data/loader.js';
import { trainTransform } from '../dist/data/transforms.js';
import { NORMALIZATION } from '../dist/data/normalization.js';
import { Rng } from '../dist/data/rng.js';

/** @template T @param {string} name @param {T} dflt @returns {string | T} */
function arg(name, dflt) {
  const i = process.argv.indexOf(`--${name}`);
  return i < 0 ? dflt : process.argv[i + 1];
}
const device = /** @type {import('../dist/tensor/device.js').Device} */ (arg('device', 'cpu'));
const threads = Number(arg('threads', 1));
const steps = Number(arg('steps', 100));
const nImages = Number(arg('images', 50_000));
const batch = Number(arg('batch', 64));
const stepMsArg = arg('step-ms', null);
const proxyReps = Number(arg('proxy-reps', 3));
setNumThreads(threads);
const sync = () => {
  if (device.startsWith('cuda')) cuda.synchronize(device);
};
const now = () => Number(process.hrtime.bigint()) / 1e6;
/** @param {number[]} xs */
const median = (xs) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)];

const C = 3,
  H = 32;
const ds = {
  name: 'synthetic',
  n: nImages,
  channels: C,
  height: H,
  width: H,
  classes: 10,
  images: new Uint8Array(nImages * C * H * H),
  labels: new Int32Array(nImages),
};
randomFillSync(ds.images);
for (let i = 0; i < nImages; i++) ds.labels[i] = i % 10;
const norm = NORMALIZATION.cifar10;
const transform = trainTransform(norm, { cutout: { length: 16, prob: 1 } });

// ---- A: the loader as built (host transform → one float32 copy per batch) ----
function timeLoader() {
  const loader = new SearchDataLoader(ds, { batchSize: batch, seed: 2, transform, device });
  const per = [];
  let e = 0;
  let it = loader.epochBatches(e);
  for (let s = 0; s < steps + 5; s++) {
    const t0 = now();
    let r = it.next();
    if (r.done) {
      it = loader.epochBatches(++e);
      r = it.next();
    }
    const b = r.value;
    tidy(() => {
      void b.x;
      void b.y;
      void b.xValid;
      void b.yValid;
      sync();
    }); // the getters build the batch tensors
    if (s >= 5) per.push(now() - t0); // first steps warm the JIT and allocator
  }
  return median(per);
}

// ---- B: the alternative — uint8 crop/flip on the host, uint8 upload, normalise + cutout on the device ----
function timeDeviceNormalise() {
  const rng = new Rng(2);
  const P = 4,
    S = H,
    PW = H + 2 * P;
  const mean = tensor(new Float32Array(norm.mean), { shape: [1, C, 1, 1], device });
  const std = tensor(new Float32Array(norm.std), { shape: [1, C, 1, 1], device });
  const perm = rng.permutation(nImages / 2);
  /** @param {Int32Array} idx */
  const one = (idx) => {
    const bytes = new Uint8Array(idx.length * C * S * S); // zero = padding
    const mask = new Float32Array(idx.length * S * S).fill(1);
    idx.forEach((id, b) => {
      const top = rng.nextInt(PW - S + 1),
        left = rng.nextInt(PW - S + 1),
        flip = rng.bernoulli(0.5);
      for (let c = 0; c < C; c++)
        for (let r = 0; r < S; r++) {
          const sy = top + r - P;
          if (sy < 0 || sy >= H) continue;
          const o = ((b * C + c) * S + r) * S,
            src = ((id * C + c) * H + sy) * H;
          for (let k = 0; k < S; k++) {
            const sx = left + (flip ? S - 1 - k : k) - P;
            if (sx >= 0 && sx < H) bytes[o + k] = ds.images[src + sx];
          }
        }
      if (rng.bernoulli(1)) {
        const cy = rng.nextInt(S),
          cx = rng.nextInt(S);
        for (let r = Math.max(cy - 8, 0); r < Math.min(cy + 8, S); r++)
          mask.fill(0, b * S * S + r * S + Math.max(cx - 8, 0), b * S * S + r * S + Math.min(cx + 8, S));
      }
    });
    const x = tensor(bytes, { shape: [idx.length, C, S, S], device })
      .float()
      .div_(255)
      .sub_(mean)
      .div_(std);
    return x.mul_(tensor(mask, { shape: [idx.length, 1, S, S], device }));
  };
  const per = [];
  for (let s = 0; s < steps + 5; s++) {
    const t0 = now();
    const off = (s * batch) % (perm.length - batch);
    tidy(() => {
      one(perm.subarray(off, off + batch));
      one(rng.sample(nImages / 2, batch).map((i) => i + nImages / 2));
      sync();
    });
    if (s >= 5) per.push(now() - t0);
  }
  mean.dispose();
  std.dispose();
  return median(per);
}

// ---- the step proxy (see header) ----
function timeProxy() {
  /** @param {number[]} shape */
  const p = (shape) => randn(shape, { device }).mul_(0.1).requiresGrad_();
  const w = [p([48, 3, 3, 3]), p([48, 48, 3, 3]), p([48, 48, 3, 3]), p([10, 48])];
  const x = randn([batch, C, H, H], { device });
  const y = zeros([batch], { dtype: 'int64', device });
  /** @param {import('../dist/index.js').Tensor} h */
  const bn = (h) => F.batchNorm(h, null, null, { training: true });
  const once = () =>
    tidy(() => {
      let h = F.relu(bn(F.conv2d(x, w[0], null, { padding: 1 })));
      h = F.relu(bn(F.conv2d(h, w[1], null, { padding: 1 })));
      h = F.relu(bn(F.conv2d(h, w[2], null, { padding: 1 })));
      F.crossEntropy(F.linear(F.adaptiveAvgPool2d(h, 1).flatten(1), w[3]), y).backward();
      sync();
    });
  once();
  const per = [];
  for (let i = 0; i < proxyReps; i++) {
    const t0 = now();
    once();
    per.push(now() - t0);
  }
  [...w, x, y].forEach((t) => t.dispose());
  return median(per);
}

const loaderMs = timeLoader();
const altMs = timeDeviceNormalise();
const stepMs = stepMsArg !== null ? Number(stepMsArg) : timeProxy();
const ratio = loaderMs / stepMs;
/** @param {number} x */
const f = (x) => x.toFixed(3);
console.log(
  `bench:data  device=${device} threads=${threads} batch=${batch} image=${C}x${H}x${H} dataset=${nImages} synthetic uint8, crop(4)+flip+normalize+cutout(16,p=1), ${steps} steps`,
);
console.log(
  `loader (host transform → float32 copy): ${f(loaderMs)} ms per search step (train+valid batch) = ${f(loaderMs / 2)} ms/batch = ${(2000 / loaderMs).toFixed(0)} batches/s`,
);
console.log(`alternative (uint8 copy, normalise+cutout on device): ${f(altMs)} ms per search step (${(altMs / loaderMs).toFixed(2)}× the loader)`);
console.log(`step: ${f(stepMs)} ms (${stepMsArg !== null ? '--step-ms' : 'proxy: stem 3→48 + 2×conv 48→48 + BN/ReLU + GAP/linear/CE, fwd+bwd'})`);
console.log(`loading / step = ${(100 * ratio).toFixed(2)} % → ${ratio <= 0.05 ? 'PASS' : 'FAIL'} (loading ≤ 5 % of a step)`);
process.exitCode = ratio <= 0.05 ? 0 : 1;
