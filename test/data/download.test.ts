import { createHash } from 'node:crypto';
import { existsSync, readFileSync, readdirSync, statSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { DATASET_SOURCES, downloadDataset, installDataset, type DatasetSource, type DownloadProgress } from '../../src/data/download.js';
import { loadDataset } from '../../src/data/dataset.js';
import { loadPtb } from '../../src/data/ptb.js';
import { FIXTURES, expectDataError, expectDataErrorAsync, expectImages, manifest, tempDir } from './fixture-helpers.js';
import { startServer, type FixtureServer } from './http-fixture-server.js';

const md5 = (b: Uint8Array) => createHash('md5').update(b).digest('hex');
const fixture = (...p: string[]) => readFileSync(join(FIXTURES, ...p));
const SVHN_TRAIN = fixture('svhn', 'train_32x32.mat');
const ARCHIVE = fixture('archives', 'cifar-10-python.tar.gz');
const fast = { retryDelayMs: 0, timeoutMs: 5000 };

/** SVHN's real layout, but with the checksums of our small fixture files. */
function svhnLike(files: Array<[string, Uint8Array]>): DatasetSource {
  return { name: 'svhn', unpack: 'keep', files: files.map(([name, body]) => ({ url: `http://example.invalid/housenumbers/${name}`, path: name, md5: md5(body) })) };
}

let server: FixtureServer | null = null;
afterEach(async () => {
  await server?.close();
  server = null;
});

describe('resumable, verified downloads', () => {
  it('a dropped connection leaves only a .part file; the next call resumes it with a Range request', async () => {
    server = await startServer({ 'train_32x32.mat': { body: SVHN_TRAIN, dropAfter: 3000 } });
    const dir = tempDir();
    const source = svhnLike([['train_32x32.mat', SVHN_TRAIN]]);
    const dest = join(dir, 'train_32x32.mat');

    await expectDataErrorAsync(installDataset(source, dir, { baseUrl: server.baseUrl, retries: 0, ...fast }), 'ERR_SDARTS_DATA_DOWNLOAD', `${server.baseUrl}/train_32x32.mat`, `${dest}.part`, 'run the same download again to resume');
    const partSize = statSync(`${dest}.part`).size;
    expect(partSize).toBeGreaterThan(0);
    expect(partSize).toBeLessThan(SVHN_TRAIN.length);
    expect(existsSync(dest)).toBe(false);
    // The half file is never taken for the dataset.
    expectDataError(() => loadDataset('svhn', dir, 'train'), 'ERR_SDARTS_DATA_MISSING', dest);

    const result = await installDataset(source, dir, { baseUrl: server.baseUrl, ...fast });
    expect(result.files).toEqual([{ path: dest, fetched: true }]);
    expect(server.requests).toEqual([
      { path: 'train_32x32.mat', range: undefined },
      { path: 'train_32x32.mat', range: `bytes=${partSize}-` },
    ]);
    expect(readFileSync(dest).equals(SVHN_TRAIN)).toBe(true);
    expect(existsSync(`${dest}.part`)).toBe(false);
    expectImages(loadDataset('svhn', dir, 'train'), manifest('svhn').train, 10);
  });

  it('retries within one call, resuming each time, and reports progress up to the full size', async () => {
    server = await startServer({ 'train_32x32.mat': { body: SVHN_TRAIN, dropAfter: 2000, dropTimes: 2 } });
    const dir = tempDir();
    const progress: DownloadProgress[] = [];
    await installDataset(svhnLike([['train_32x32.mat', SVHN_TRAIN]]), dir, { baseUrl: server.baseUrl, retries: 3, onProgress: (p) => progress.push(p), ...fast });
    expect(server.requests.map((r) => r.range)).toEqual([undefined, 'bytes=2000-', 'bytes=4000-']);
    expect(readFileSync(join(dir, 'train_32x32.mat')).equals(SVHN_TRAIN)).toBe(true);
    const last = progress[progress.length - 1]!;
    expect(last).toEqual({ url: `${server.baseUrl}/train_32x32.mat`, file: join(dir, 'train_32x32.mat'), received: SVHN_TRAIN.length, total: SVHN_TRAIN.length });
    // Resumed bytes count from the part's length, so progress never goes backwards across attempts.
    expect(progress.every((p, i) => i === 0 || p.received > progress[i - 1]!.received)).toBe(true);
  });

  it('restarts from zero when the server ignores Range', async () => {
    server = await startServer({ 'train_32x32.mat': { body: SVHN_TRAIN, dropAfter: 2500, ignoreRange: true } });
    const dir = tempDir();
    await installDataset(svhnLike([['train_32x32.mat', SVHN_TRAIN]]), dir, { baseUrl: server.baseUrl, retries: 1, ...fast });
    expect(server.requests.map((r) => r.range)).toEqual([undefined, 'bytes=2500-']);
    expect(readFileSync(join(dir, 'train_32x32.mat')).equals(SVHN_TRAIN)).toBe(true);
  });

  it('a complete .part (server answers 416) is verified and installed without new bytes', async () => {
    server = await startServer({ 'train_32x32.mat': { body: SVHN_TRAIN } });
    const dir = tempDir();
    writeFileSync(join(dir, 'train_32x32.mat.part'), SVHN_TRAIN);
    await installDataset(svhnLike([['train_32x32.mat', SVHN_TRAIN]]), dir, { baseUrl: server.baseUrl, ...fast });
    expect(server.requests).toEqual([{ path: 'train_32x32.mat', range: `bytes=${SVHN_TRAIN.length}-` }]);
    expect(readFileSync(join(dir, 'train_32x32.mat')).equals(SVHN_TRAIN)).toBe(true);
  });

  it('an already verified file is not fetched again', async () => {
    server = await startServer({ 'train_32x32.mat': { body: SVHN_TRAIN } });
    const dir = tempDir();
    const source = svhnLike([['train_32x32.mat', SVHN_TRAIN]]);
    await installDataset(source, dir, { baseUrl: server.baseUrl, ...fast });
    const again = await installDataset(source, dir, { baseUrl: server.baseUrl, ...fast });
    expect(again.files[0]!.fetched).toBe(false);
    expect(server.requests.length).toBe(1);
  });

  it('follows redirects', async () => {
    server = await startServer({ 'train_32x32.mat': { body: new Uint8Array(0), redirectTo: '/mirror/train.mat' }, 'mirror/train.mat': { body: SVHN_TRAIN } });
    const dir = tempDir();
    await installDataset(svhnLike([['train_32x32.mat', SVHN_TRAIN]]), dir, { baseUrl: server.baseUrl, ...fast });
    expect(server.requests.map((r) => r.path)).toEqual(['train_32x32.mat', 'mirror/train.mat']);
    expect(readFileSync(join(dir, 'train_32x32.mat')).equals(SVHN_TRAIN)).toBe(true);
  });

  it('HTTP 404 fails at once (no retries) and names the URL', async () => {
    server = await startServer({});
    const dir = tempDir();
    await expectDataErrorAsync(installDataset(svhnLike([['train_32x32.mat', SVHN_TRAIN]]), dir, { baseUrl: server.baseUrl, retries: 3, ...fast }), 'ERR_SDARTS_DATA_DOWNLOAD', `${server.baseUrl}/train_32x32.mat`, 'HTTP 404', 'Check the URL');
    expect(server.requests.length).toBe(1);
    expect(readdirSync(dir)).toEqual([]);
  });
});

describe('checksums: nothing unverified is installed', () => {
  it('svhn from a mirror whose files differ from the published MD5 is refused and deleted', async () => {
    server = await startServer({ 'train_32x32.mat': { body: SVHN_TRAIN }, 'test_32x32.mat': { body: fixture('svhn', 'test_32x32.mat') } });
    const dir = tempDir();
    await expectDataErrorAsync(downloadDataset('svhn', dir, { baseUrl: server.baseUrl, ...fast }), 'ERR_SDARTS_DATA_CHECKSUM', `MD5 ${md5(SVHN_TRAIN)}`, `published checksum is ${DATASET_SOURCES.svhn.files[0]!.md5}`, 'nothing was installed');
    expect(readdirSync(dir)).toEqual([]);
  });

  it('cifar10: a wrong archive is neither kept nor extracted', async () => {
    server = await startServer({ 'cifar-10-python.tar.gz': { body: ARCHIVE } });
    const dir = tempDir();
    await expectDataErrorAsync(downloadDataset('cifar10', dir, { baseUrl: server.baseUrl, ...fast }), 'ERR_SDARTS_DATA_CHECKSUM', 'c58f30108f718f92721af3b95e74349a');
    expect(readdirSync(dir)).toEqual([]);
  });
});

describe('archives and torchvision layout', () => {
  const cifarLike: DatasetSource = { ...DATASET_SOURCES.cifar10, files: [{ ...DATASET_SOURCES.cifar10.files[0]!, md5: manifest('archives').md5 }] };

  it('cifar10 tar.gz is extracted to cifar-10-batches-py/ in one move, and then loads', async () => {
    server = await startServer({ 'cifar-10-python.tar.gz': { body: ARCHIVE } });
    const dir = tempDir();
    const M = manifest('archives');
    await installDataset(cifarLike, dir, { baseUrl: server.baseUrl, ...fast });
    expect(readdirSync(dir).sort()).toEqual(['cifar-10-batches-py', 'cifar-10-python.tar.gz']); // no staging folders left
    expect(readFileSync(join(dir, M.long_name), 'utf8')).toBe('<html>readme</html>');
    expectImages(loadDataset('cifar10', dir, 'train'), M.train, 10);
    expectImages(loadDataset('cifar10', dir, 'test'), M.test, 10);
    const again = await installDataset(cifarLike, dir, { baseUrl: server.baseUrl, ...fast });
    expect(again.files[0]!.fetched).toBe(false);
    expect(server.requests.length).toBe(1);
  });

  it('an archive with a ../ member is refused before anything is written', async () => {
    const bad = fixture('archives', 'traversal.tar.gz');
    server = await startServer({ 'cifar-10-python.tar.gz': { body: bad } });
    const dir = tempDir();
    const source: DatasetSource = { ...cifarLike, files: [{ ...cifarLike.files[0]!, md5: md5(bad) }] };
    await expectDataErrorAsync(installDataset(source, dir, { baseUrl: server.baseUrl, ...fast }), 'ERR_SDARTS_DATA_FORMAT', '"../evil.txt" would land outside the target directory');
    expect(readdirSync(dir)).toEqual(['cifar-10-python.tar.gz']);
    expect(existsSync(join(dir, '..', 'evil.txt'))).toBe(false);
  });

  it('fashion-mnist: .gz files land in FashionMNIST/raw/ with decompressed copies beside them', async () => {
    const names = ['train-images-idx3-ubyte.gz', 'train-labels-idx1-ubyte.gz', 't10k-images-idx3-ubyte.gz', 't10k-labels-idx1-ubyte.gz'];
    const bodies = Object.fromEntries(names.map((n) => [n, { body: fixture('fashion-mnist', 'FashionMNIST', 'raw', n) }]));
    server = await startServer(bodies);
    const dir = tempDir();
    const source: DatasetSource = { ...DATASET_SOURCES['fashion-mnist'], files: DATASET_SOURCES['fashion-mnist'].files.map((f, i) => ({ ...f, md5: md5(bodies[names[i]!]!.body) })) };
    await installDataset(source, dir, { baseUrl: server.baseUrl, ...fast });
    expect(readdirSync(join(dir, 'FashionMNIST', 'raw')).sort()).toEqual([...names, ...names.map((n) => n.slice(0, -3))].sort());
    expectImages(loadDataset('fashion-mnist', dir, 'test'), manifest('fashion-mnist').test, 10);
  });
});

describe('ptb layout', () => {
  it('the three ptb.*.txt files land as penn/{train,valid,test}.txt (DARTS layout) and load', async () => {
    const bodies = Object.fromEntries(['train', 'valid', 'test'].map((s) => [`ptb.${s}.txt`, { body: fixture('ptb', `ptb.${s}.txt`) }]));
    server = await startServer(bodies);
    const dir = tempDir();
    const source: DatasetSource = { ...DATASET_SOURCES.ptb, files: DATASET_SOURCES.ptb.files.map((f) => ({ ...f, md5: md5(bodies[f.url.split('/').pop()!]!.body) })) };
    await installDataset(source, dir, { baseUrl: server.baseUrl, ...fast });
    expect(readdirSync(join(dir, 'penn')).sort()).toEqual(['test.txt', 'train.txt', 'valid.txt']);
    const M = manifest('ptb');
    const corpus = loadPtb(dir);
    expect(corpus.vocab).toEqual(M.vocab);
    expect(Array.from(corpus.valid)).toEqual(M.valid);
  });
});

describe('downloadDataset arguments and the source table', () => {
  it('rejects an unknown dataset and a non-http base URL', async () => {
    const e1 = await downloadDataset('imagenet' as 'svhn', '/tmp/x').catch((e: unknown) => e);
    expect(e1).toBeInstanceOf(RangeError);
    expect(e1).toMatchObject({ code: 'ERR_SDARTS_OUT_OF_RANGE', message: "Expected one of cifar10, cifar100, svhn, fashion-mnist, mnist, ptb for 'name' in downloadDataset() but received \"imagenet\" (string)" });
    const e2 = await downloadDataset('svhn', tempDir(), { baseUrl: 'ftp://mirror' }).catch((e: unknown) => e);
    expect(e2).toBeInstanceOf(TypeError);
    expect(e2).toMatchObject({ code: 'ERR_SDARTS_INVALID_ARG_TYPE', message: "Expected an http:// or https:// URL for 'baseUrl' in downloadDataset() but received \"ftp://mirror\" (string)" });
  });

  it('every file has a canonical URL and a 32-hex-digit MD5', () => {
    for (const s of Object.values(DATASET_SOURCES)) {
      for (const f of s.files) {
        expect(f.url).toMatch(/^https?:\/\/[^/]+\/.+/);
        expect(f.md5).toMatch(/^[0-9a-f]{32}$/);
      }
    }
  });
});
