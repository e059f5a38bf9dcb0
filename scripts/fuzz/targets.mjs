/**
 * The fuzz targets: for each reader, valid seed inputs (the project's fixtures, embedded data or files
 * made by sdarts' own writers) and `run(bytes)`, which feeds one mutated input to the reader the way
 * sdarts uses it (a file in a scratch directory where the reader takes a path). Every target imports
 * the built library (dist/), so `npm run build:ts` comes first.
 */
import { mkdirSync, readFileSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { mutateBytes, mutateText } from './mutate.mjs';

/** @typedef {import('./mutate.mjs').Rng} Rng */
/**
 * A valid input to mutate, with what its target needs to know about it.
 * @typedef {object} Seed
 * @property {Buffer} bytes
 * @property {number[]} [hot] offsets worth aiming at
 * @property {string} [text] the input as text, for text mutations
 * @property {string} [which] cifar: the file it stands for
 * @property {boolean} [rnn] genotype: a recurrent genotype
 */
/**
 * @typedef {object} Target
 * @property {Seed[]} seeds
 * @property {(seed: Seed, r: Rng) => Buffer} mutate
 * @property {(b: Buffer, seed: Seed, r: Rng) => string | void} run returns 'rejected' for a clean rejection
 *   without an error, 'skipped' for an input not worth feeding
 */
/** @typedef {{ tmp: string }} Ctx the worker's scratch directory */

const ROOT = fileURLToPath(new URL('../../', import.meta.url));
const FIX = join(ROOT, 'test', 'fixtures');
/**
 * A module of the built library (untyped here: the native target calls it with malformed arguments on purpose).
 * @param {string} p
 * @returns {Promise<any>}
 */
const dist = (p) => import(new URL(`../../dist/${p}`, import.meta.url).href);
/** @param {...string} p */
const file = (...p) => readFileSync(join(FIX, ...p));
/**
 * @param {string[]} texts
 * @returns {Seed[]}
 */
const textSeeds = (texts) => texts.map((t) => ({ bytes: Buffer.from(t, 'utf8'), text: t }));
/** @type {Target['mutate']} */
const mutateAny = (seed, r) => (seed.text !== undefined && r.next() < 0.5 ? mutateText(seed.text, r) : mutateBytes(seed.bytes, r, seed.hot));

/**
 * Scratch directory of this worker process.
 * @param {Ctx} ctx
 * @param {string} name
 * @returns {string}
 */
function scratch(ctx, name) {
  const d = join(ctx.tmp, name);
  mkdirSync(d, { recursive: true });
  return d;
}

/** @type {Record<string, (ctx: Ctx) => Promise<Target>>} */
export const TARGETS = {
  async tfrecord(ctx) {
    const { buildIndexFromTfRecord } = await dist('benchmark/index-builder.js');
    const bytes = file('nasbench', 'mini_nasbench.tfrecord');
    const hot = [0, 8, 12, 16];
    const path = join(scratch(ctx, 'tfrecord'), 'nasbench.tfrecord');
    return {
      seeds: [
        { bytes, hot },
        { bytes: bytes.subarray(0, 2000), hot },
      ],
      mutate: mutateAny,
      run(b) {
        writeFileSync(path, b);
        buildIndexFromTfRecord(path);
      },
    };
  },

  /** One NAS-Bench row re-framed with valid CRCs: reaches the JSON row and protobuf decoders. */
  async 'nasbench-row'(ctx) {
    const { buildIndexFromTfRecord } = await dist('benchmark/index-builder.js');
    const { readTfRecords } = await dist('benchmark/tfrecord-reader.js');
    const { encodeTfRecord } = await dist('benchmark/tfrecord-writer.js');
    const path = join(scratch(ctx, 'row'), 'row.tfrecord');
    const src = join(FIX, 'nasbench', 'mini_nasbench.tfrecord');
    /** @type {string[]} */
    const rows = [];
    readTfRecords(src, (/** @type {Buffer} */ buf, /** @type {number} */ s, /** @type {number} */ e) => {
      if (rows.length < 8) rows.push(buf.toString('utf8', s, e));
    });
    return {
      seeds: textSeeds(rows),
      mutate(seed, r) {
        const text = /** @type {string} */ (seed.text);
        if (r.next() < 0.5) return mutateText(text, r);
        // Mutate the protobuf inside the base64 metrics field.
        const v = JSON.parse(text);
        v[4] = mutateBytes(Buffer.from(v[4], 'base64'), r, [0, 1, 2]).toString('base64');
        return Buffer.from(JSON.stringify(v));
      },
      run(b) {
        writeFileSync(path, encodeTfRecord(b));
        buildIndexFromTfRecord(path);
      },
    };
  },

  async 'index-cache'(ctx) {
    const { buildIndexFromTfRecord } = await dist('benchmark/index-builder.js');
    const { serializeIndex, sourceIdentity, loadIndexCache } = await dist('benchmark/index-cache.js');
    const src = join(FIX, 'nasbench', 'mini_nasbench.tfrecord');
    const source = sourceIdentity(src);
    const bytes = Buffer.from(serializeIndex(buildIndexFromTfRecord(src).index.data, source));
    const path = join(scratch(ctx, 'cache'), 'index.sdarts-index');
    const hot = Array.from({ length: 32 }, (_, i) => i * 4);
    return {
      seeds: [{ bytes, hot }],
      mutate: mutateAny,
      run(b) {
        writeFileSync(path, b);
        const r = loadIndexCache(path, source);
        if (!r.ok) return 'rejected';
        if (!(r.index.data.numModules >= 0)) throw new Error('a loaded index has no module count');
      },
    };
  },

  async safetensors() {
    const T = await dist('tensor/index.js');
    const t = {
      w: T.randn([3, 4]),
      i: T.tensor([1, 2, 3], { dtype: 'int64' }),
      h: T.zeros([2, 2], { dtype: 'float16' }),
      b: T.tensor([1, 0, 1], { dtype: 'bool' }),
      e: T.zeros([0, 3]),
    };
    const bytes = Buffer.from(T.encodeSafetensors(t, { note: 'seed' }));
    const hdr = Buffer.from(T.encodeSafetensors({ w: t.w }));
    Object.values(t).forEach((x) => x.dispose());
    const hot = [0, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10];
    return {
      seeds: [
        { bytes, hot, text: undefined },
        { bytes: hdr, hot },
      ],
      mutate(seed, r) {
        if (r.next() < 0.3) {
          // Mutate the JSON header as text, then fix its length prefix.
          const n = Number(seed.bytes.readBigUInt64LE(0));
          const head = mutateText(seed.bytes.subarray(8, 8 + n).toString('utf8'), r, ['{', '[']);
          const len = Buffer.alloc(8);
          len.writeBigUInt64LE(BigInt(head.length));
          return Buffer.concat([len, head, seed.bytes.subarray(8 + n)]);
        }
        return mutateBytes(seed.bytes, r, seed.hot);
      },
      run(b) {
        const { tensors } = T.decodeSafetensors(b);
        Object.values(tensors).forEach((x) => x.dispose());
      },
    };
  },

  async checkpoint(ctx) {
    const T = await dist('tensor/index.js');
    const ck = await dist('run/checkpoint.js');
    const seedDir = scratch(ctx, 'ck-seed');
    const t = { 'model.w': T.randn([4, 3]), 'model.b': T.zeros([3]), 'arch.a': T.randn([2, 5]) };
    const state = { epoch: 1, step: 10, globalStep: 10, meters: {}, logs: [] };
    ck.saveCheckpoint(seedDir, 'search', t, state);
    const shapes = Object.fromEntries(Object.entries(t).map(([k, v]) => [k, v.shape]));
    // What an accepted input must restore exactly: anything else is a corrupt checkpoint used silently.
    const want = JSON.stringify({ t: Object.fromEntries(Object.entries(t).map(([k, v]) => [k, [v.dtype, v.shape, v.toArray()]])), state });
    Object.values(t).forEach((x) => x.dispose());
    const bytes = readFileSync(join(seedDir, ck.CHECKPOINT_FILE));
    const dir = scratch(ctx, 'ck');
    return {
      seeds: [{ bytes, hot: [0, 1, 2, 3, 4, 5, 6, 7] }],
      mutate(seed, r) {
        if (r.next() < 0.3) {
          const n = Number(seed.bytes.readBigUInt64LE(0));
          const head = mutateText(seed.bytes.subarray(8, 8 + n).toString('utf8'), r, ['{', '[']);
          const len = Buffer.alloc(8);
          len.writeBigUInt64LE(BigInt(head.length));
          return Buffer.concat([len, head, seed.bytes.subarray(8 + n)]);
        }
        return mutateBytes(seed.bytes, r, seed.hot);
      },
      run(b) {
        for (const f of readdirSync(dir)) rmSync(join(dir, f), { force: true, recursive: true });
        writeFileSync(join(dir, ck.CHECKPOINT_FILE), b);
        ck.readJobCheckpoint(
          dir,
          'search',
          'cpu',
          () => ({ tensors: shapes, fields: ck.JOB_STATE_FIELDS }),
          (/** @type {Record<string, any>} */ T, /** @type {Record<string, unknown>} */ st) => {
            const got = JSON.stringify({
              t: Object.fromEntries(Object.keys(shapes).map((k) => [k, [T[k].dtype, T[k].shape, T[k].toArray()]])),
              state: Object.fromEntries(Object.keys(state).map((k) => [k, st[k]])),
            });
            if (got !== want) throw new Error('a damaged checkpoint was accepted and restored different values');
          },
        );
      },
    };
  },

  async pickle() {
    const { unpickle } = await dist('data/pickle.js');
    const dir = join(FIX, 'data', 'pickle');
    const seeds = readdirSync(dir)
      .filter((f) => f.endsWith('.pkl'))
      .map((f) => ({ bytes: readFileSync(join(dir, f)), hot: [0, 1, 2] }));
    seeds.push({ bytes: file('data', 'cifar10', 'cifar-10-batches-py', 'batches.meta'), hot: [0, 1, 2] });
    return {
      seeds,
      mutate: mutateAny,
      run(b) {
        unpickle(b, { source: 'fuzz.pkl', hint: 'fuzz' });
      },
    };
  },

  async cifar(ctx) {
    const { loadCifar10 } = await dist('data/cifar.js');
    const src = join(FIX, 'data', 'cifar10', 'cifar-10-batches-py');
    const root = scratch(ctx, 'cifar');
    const dir = join(root, 'cifar-10-batches-py');
    mkdirSync(dir, { recursive: true });
    const meta = readFileSync(join(src, 'batches.meta'));
    const test = readFileSync(join(src, 'test_batch'));
    return {
      seeds: [
        { bytes: test, hot: [0, 1, 2], which: 'test_batch' },
        { bytes: meta, hot: [0, 1, 2], which: 'batches.meta' },
      ],
      mutate: mutateAny,
      run(b, seed) {
        writeFileSync(join(dir, 'batches.meta'), seed.which === 'batches.meta' ? b : meta);
        writeFileSync(join(dir, 'test_batch'), seed.which === 'test_batch' ? b : test);
        loadCifar10(root, 'test');
      },
    };
  },

  async svhn(ctx) {
    const { loadSvhn } = await dist('data/svhn.js');
    const { readMatV5 } = await dist('data/mat-v5.js');
    const dir = scratch(ctx, 'svhn');
    const seeds = [file('data', 'svhn', 'test_32x32.mat'), file('data', 'svhn-matlab', 'train_32x32.mat')].map((bytes) => ({
      bytes,
      hot: [124, 126, 128, 132, 136, 140, 144, 148, 152, 156, 160, 164, 168],
    }));
    return {
      seeds,
      mutate: mutateAny,
      run(b, seed, r) {
        if (r.next() < 0.5) return void readMatV5(b, { source: 'fuzz.mat', hint: 'fuzz' });
        writeFileSync(join(dir, 'test_32x32.mat'), b);
        loadSvhn(dir, 'test');
      },
    };
  },

  async idx() {
    const { readIdx } = await dist('data/idx.js');
    const flat = join(FIX, 'data', 'mnist-flat');
    const gz = join(FIX, 'data', 'fashion-mnist', 'FashionMNIST', 'raw');
    const seeds = [
      ...readdirSync(flat)
        .filter((f) => f.includes('ubyte'))
        .map((f) => ({ bytes: readFileSync(join(flat, f)), hot: [0, 1, 2, 3, 4, 5, 6, 7, 8, 11, 12, 15] })),
      ...readdirSync(gz).map((f) => ({ bytes: readFileSync(join(gz, f)), hot: [0, 1, 2, 3, 8, 9, 10] })),
    ];
    return {
      seeds,
      mutate: mutateAny,
      run(b) {
        readIdx(b, 'fuzz-idx', 'fuzz');
      },
    };
  },

  async ptb(ctx) {
    const { loadPtb } = await dist('data/ptb.js');
    const dir = scratch(ctx, 'ptb');
    const text = " no it was n't black monday \n but while the new york stock exchange did n't fall apart <unk> \n\n N years \r\n";
    for (const s of ['valid', 'test']) writeFileSync(join(dir, `ptb.${s}.txt`), text);
    return {
      seeds: textSeeds([text, text.repeat(20)]),
      mutate: mutateAny,
      run(b) {
        writeFileSync(join(dir, 'ptb.train.txt'), b);
        loadPtb(dir);
      },
    };
  },

  async genotype() {
    const g = await dist('space/genotype/index.js');
    const names = ['DARTS_V2', 'DARTS_V1'].filter((n) => g.hasGenotype(n));
    const cnn = names.map((n) => g.getGenotype(n));
    const texts = cnn.map((x) => g.formatGenotype(x));
    const jsons = cnn.map((x) => JSON.stringify(g.genotypeToJSON(x)));
    /** @type {string[]} */
    const rnnNames = (g.RNN_GENOTYPE_NAMES ?? []).slice(0, 1);
    const rnnTexts = rnnNames.map((n) => g.formatRnnGenotype(g.getRnnGenotype(n)));
    return {
      seeds: [...textSeeds(texts), ...textSeeds(jsons), ...textSeeds(rnnTexts).map((s) => ({ ...s, rnn: true }))],
      mutate: (seed, r) => (r.next() < 0.7 ? mutateText(/** @type {string} */ (seed.text), r) : mutateBytes(seed.bytes, r)),
      run(b, seed) {
        const s = b.toString('utf8');
        if (seed.rnn) g.parseRnnGenotype(s);
        else if (s.trim() === '') return 'skipped';
        else g.resolveGenotype(s.startsWith('/') || s.startsWith('.') ? ' ' + s : s);
      },
    };
  },

  async config(ctx) {
    const { writeRunConfig, readRunConfig } = await dist('run/run-dir.js');
    const { validateConfig, defaultsOf } = await dist('run/config.js');
    const { SEARCH_COMMAND } = await dist('run/commands.js');
    const dir = scratch(ctx, 'config');
    writeRunConfig(dir, 'search', { ...defaultsOf(SEARCH_COMMAND.options), save: dir });
    const text = readFileSync(join(dir, 'config.json'), 'utf8');
    return {
      seeds: textSeeds([text]),
      mutate: mutateAny,
      run(b) {
        writeFileSync(join(dir, 'config.json'), b);
        const c = readRunConfig(dir, 'search');
        validateConfig(SEARCH_COMMAND.options, c);
      },
    };
  },

  /** Malformed calls across the native boundary: random functions, random argument types and values. */
  async native() {
    const T = await dist('tensor/index.js');
    const fns = Object.entries(T)
      .filter(([k, v]) => typeof v === 'function' && !['tidy', 'keep', 'nativeAddon', 'setNumThreads', 'manualSeed', 'setRngState', 'Tensor'].includes(k))
      .map(([k, v]) => [k, v]);
    const Ff = Object.entries(T.F).filter(([, v]) => typeof v === 'function');
    const methods = Object.getOwnPropertyNames(T.Tensor.prototype).filter(
      (m) => m !== 'constructor' && m !== 'dispose' && typeof Object.getOwnPropertyDescriptor(T.Tensor.prototype, m)?.value === 'function',
    );
    const dtypes = ['float32', 'float64', 'int64', 'int32', 'uint8', 'bool', 'float16', 'bfloat16', 'int8', 'complex64', 'nope'];
    return {
      seeds: [{ bytes: Buffer.alloc(0) }],
      mutate: () => Buffer.alloc(0),
      run(_b, _seed, r) {
        const mk = () => T.zeros(r.pick([[], [0], [3], [2, 3], [1, 1, 2, 2], [2, 0, 3]]), { dtype: r.pick(dtypes.slice(0, 8)) });
        /**
         * @param {number} [depth]
         * @returns {unknown}
         */
        const val = (depth = 0) => {
          switch (r.int(14)) {
            case 0:
              return r.pick([0, 1, -1, 2, 3, 0.5, NaN, Infinity, -Infinity, 2 ** 31, -(2 ** 31) - 1, 2 ** 53, 1e300, -0]);
            case 1:
              return r.pick(['', 'cpu', 'cuda', 'cuda:7', 'float32', 'mean', 'x'.repeat(1000), '\0']);
            case 2:
              return r.pick([null, undefined, true, false]);
            case 3:
              return depth > 2 ? [] : Array.from({ length: r.int(5) }, () => val(depth + 1));
            case 4:
              return r.pick([[], [2, 3], [-1], [-2, 3], [1e9, 1e9], [2 ** 31], [0.5], [NaN], [2, 3, 4, 5, 6, 7, 8, 9, 10]]);
            case 5:
              return depth > 2
                ? {}
                : { dtype: r.pick(dtypes), device: r.pick(['cpu', 'cuda', 'meta', 3]), shape: val(depth + 1), dim: val(depth + 1), keepdim: val(depth + 1) };
            case 6:
              return r.pick([10n, Symbol('s'), () => 1, new Float32Array(3), new Uint8Array(0), new ArrayBuffer(8), new Date(0), /x/]);
            case 7: {
              const t = mk();
              t.dispose();
              return t;
            }
            case 8:
              return Object.create(T.Tensor.prototype);
            case 9:
              // a list of tensors (cat, stack, grad and the foreach* functions take arrays of them)
              return Array.from({ length: r.int(4) }, () => mk());
            default:
              return mk();
          }
        };
        // Inside tidy: every tensor made (arguments and results) is freed afterwards.
        T.tidy(() => {
          const args = Array.from({ length: r.int(5) }, () => val());
          const k = r.int(3);
          if (k === 0) r.pick(fns)[1](...args);
          else if (k === 1) r.pick(Ff)[1](...args);
          else mk()[r.pick(methods)](...args);
        });
      },
    };
  },
};
