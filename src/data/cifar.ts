import { join } from 'node:path';
import type { ImageDataset, Split } from './image-dataset.js';
import { dataCorrupt, dataFormat, dataMissing, downloadHint, isFile, readDataFile } from './data-errors.js';
import { unpickle, PyDict } from './pickle.js';
import { integersOf } from './pickle-numpy.js';

/**
 * CIFAR-10 / CIFAR-100 in the layouts their authors publish and torchvision unpacks:
 *  - `cifar-10-batches-py/`  data_batch_1..5, test_batch — pickled dicts {data: uint8 N×3072, labels}
 *  - `cifar-10-batches-bin/` data_batch_1..5.bin, test_batch.bin — records of 1 label + 3072 bytes
 *  - `cifar-100-python/`     train, test — pickled dicts {data, fine_labels, coarse_labels}
 * Each 3072-byte row is already channel-major (1024 R, 1024 G, 1024 B, rows top to bottom), which is
 * exactly our CHW layout, so rows are copied as they are.
 */

const SIDE = 32;
const PIXELS = 3 * SIDE * SIDE;
const TRAIN_BATCHES = ['data_batch_1', 'data_batch_2', 'data_batch_3', 'data_batch_4', 'data_batch_5'];

interface Batch { images: Uint8Array; labels: number[] }

/** CIFAR-10 from `dir` (torchvision root): the python batches if present, else the binary ones. */
export function loadCifar10(dir: string, split: Split): ImageDataset {
  const hint = downloadHint('cifar10', dir);
  const pyDir = pickDir(dir, 'cifar-10-batches-py', 'data_batch_1');
  const binDir = pickDir(dir, 'cifar-10-batches-bin', 'data_batch_1.bin');
  let batches: Batch[];
  if (pyDir !== null) {
    const names = split === 'train' ? TRAIN_BATCHES : ['test_batch'];
    batches = names.map((n) => readPickledBatch(join(pyDir, n), 'labels', 10, hint));
  } else if (binDir !== null) {
    const names = split === 'train' ? TRAIN_BATCHES.map((n) => `${n}.bin`) : ['test_batch.bin'];
    batches = names.map((n) => readBinaryBatch(join(binDir, n), hint));
  } else {
    throw dataMissing(join(dir, 'cifar-10-batches-py'), 'CIFAR-10: neither cifar-10-batches-py/ nor cifar-10-batches-bin/ is there', hint);
  }
  return assemble('cifar10', batches, 10);
}

/** CIFAR-100 from `dir` (torchvision root), with the 100 fine labels as torchvision uses them. */
export function loadCifar100(dir: string, split: Split): ImageDataset {
  const hint = downloadHint('cifar100', dir);
  const pyDir = pickDir(dir, 'cifar-100-python', 'train') ?? join(dir, 'cifar-100-python');
  return assemble('cifar100', [readPickledBatch(join(pyDir, split), 'fine_labels', 100, hint)], 100);
}

/** `dir/sub` when it holds `probe`, or `dir` itself when the user pointed straight at the batches. */
function pickDir(dir: string, sub: string, probe: string): string | null {
  if (isFile(join(dir, sub, probe))) return join(dir, sub);
  if (isFile(join(dir, probe))) return dir;
  return null;
}

function readPickledBatch(path: string, labelKey: string, classes: number, hint: string): Batch {
  const bytes = readDataFile(path, 'CIFAR python batch', hint);
  const root = unpickle(bytes, { source: path, hint });
  if (!(root instanceof PyDict)) throw dataFormat(path, 'expected a pickled dict with "data" and labels', hint);
  const data = root.get('data');
  const labels = integersOf(root.get(labelKey) ?? null);
  if (data === undefined || typeof data !== 'object' || data === null || !('kind' in data) || data.kind !== 'ndarray') {
    throw dataFormat(path, `expected a numpy array under "data", found keys [${root.keyNames().join(', ')}]`, hint);
  }
  if (labels === null) throw dataFormat(path, `expected a list of integer labels under "${labelKey}", found keys [${root.keyNames().join(', ')}]`, hint);
  const [n, width] = data.shape;
  if (data.dtype !== 'uint8' || data.shape.length !== 2 || width !== PIXELS || data.fortranOrder) {
    throw dataFormat(path, `expected "data" as a C-ordered uint8 array of shape (N, ${PIXELS}), found ${data.dtype} (${data.shape.join(', ')})${data.fortranOrder ? ' in Fortran order' : ''}`, hint);
  }
  if (labels.length !== n) throw dataCorrupt(path, `${n} images but ${labels.length} labels`, hint);
  checkLabels(path, labels, classes, hint);
  return { images: data.data, labels };
}

function readBinaryBatch(path: string, hint: string): Batch {
  const bytes = readDataFile(path, 'CIFAR-10 binary batch', hint);
  const record = PIXELS + 1;
  if (bytes.length === 0 || bytes.length % record !== 0) {
    throw dataCorrupt(path, `size ${bytes.length} bytes is not a whole number of ${record}-byte records (1 label + ${PIXELS} pixels); the file is truncated or not a CIFAR-10 binary batch`, hint);
  }
  const n = bytes.length / record;
  const images = new Uint8Array(n * PIXELS);
  const labels: number[] = new Array(n);
  for (let i = 0; i < n; i++) {
    labels[i] = bytes[i * record]!;
    images.set(bytes.subarray(i * record + 1, (i + 1) * record), i * PIXELS);
  }
  checkLabels(path, labels, 10, hint);
  return { images, labels };
}

function checkLabels(path: string, labels: number[], classes: number, hint: string): void {
  const bad = labels.findIndex((l) => l < 0 || l >= classes);
  if (bad >= 0) throw dataCorrupt(path, `label ${labels[bad]} of image ${bad} is outside 0..${classes - 1}`, hint);
}

function assemble(name: string, batches: Batch[], classes: number): ImageDataset {
  const n = batches.reduce((a, b) => a + b.labels.length, 0);
  const images = batches.length === 1 ? batches[0]!.images : new Uint8Array(n * PIXELS);
  const labels = new Int32Array(n);
  let at = 0;
  for (const b of batches) {
    if (batches.length > 1) images.set(b.images, at * PIXELS);
    labels.set(b.labels, at);
    at += b.labels.length;
  }
  return { name, images, labels, n, channels: 3, height: SIDE, width: SIDE, classes };
}
