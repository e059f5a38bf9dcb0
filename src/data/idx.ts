import { join } from 'node:path';
import { gunzipSync } from 'node:zlib';
import type { ImageDataset, Split } from './image-dataset.js';
import { dataCorrupt, dataFormat, dataMissing, isFile, readDataFile } from './data-errors.js';

/**
 * IDX files (MNIST, Fashion-MNIST): a big-endian header `0x00 0x00 <type> <ndim>`, ndim uint32
 * sizes, then the values. Images are `idx3` (N×28×28 uint8), labels `idx1` (N uint8). Files may be
 * raw or gzip-compressed (`.gz`), and sit in torchvision's `<root>/FashionMNIST/raw/`,
 * `<root>/MNIST/raw/`, or directly in the directory given.
 */

export interface IdxArray {
  dims: number[];
  data: Uint8Array;
}

const GZIP_MAGIC = [0x1f, 0x8b];
const UBYTE = 0x08;

/** Decode one IDX file (raw or gzip) holding unsigned bytes. */
export function readIdx(bytes: Uint8Array, source: string, hint: string): IdxArray {
  let buf = bytes;
  if (buf[0] === GZIP_MAGIC[0] && buf[1] === GZIP_MAGIC[1]) {
    try {
      buf = gunzipSync(buf);
    } catch (err) {
      throw dataCorrupt(source, `gzip data cannot be decompressed (${(err as Error).message})`, hint);
    }
  }
  if (buf.length < 4) throw dataCorrupt(source, `only ${buf.length} bytes, shorter than an IDX header; the file is truncated`, hint);
  if (buf[0] !== 0 || buf[1] !== 0 || buf[3] === 0) {
    throw dataFormat(source, `not an IDX file (magic ${hex(buf.subarray(0, 4))}, expected 00 00 08 0N)`, hint);
  }
  if (buf[2] !== UBYTE) throw dataFormat(source, `IDX value type 0x${buf[2]!.toString(16)} is not unsigned byte (0x08)`, hint);
  const ndim = buf[3]!;
  const headerLen = 4 + 4 * ndim;
  if (buf.length < headerLen) throw dataCorrupt(source, `the IDX header needs ${headerLen} bytes but the file has ${buf.length}; the file is truncated`, hint);
  const view = new DataView(buf.buffer, buf.byteOffset, buf.byteLength);
  const dims: number[] = [];
  for (let i = 0; i < ndim; i++) dims.push(view.getUint32(4 + 4 * i, false));
  const count = dims.reduce((a, b) => a * b, 1);
  if (buf.length - headerLen !== count) {
    throw dataCorrupt(source, `the header promises ${dims.join('×')} = ${count} values but ${buf.length - headerLen} follow${buf.length - headerLen < count ? '; the file is truncated' : ''}`, hint);
  }
  return { dims, data: buf.subarray(headerLen) };
}

/** Locate `name` (raw or `.gz`) in the torchvision folder for `folder`, or in `dir` itself. */
export function findIdxFile(dir: string, folder: string, name: string): string | null {
  for (const d of [join(dir, folder, 'raw'), dir]) {
    for (const n of [name, `${name}.gz`]) if (isFile(join(d, n))) return join(d, n);
  }
  return null;
}

/**
 * MNIST-style images + labels. `folder` is torchvision's class name (`FashionMNIST`, `MNIST`);
 * `name` is ours (`fashion-mnist`, `mnist`), used in messages and the result.
 */
export function loadIdxDataset(dir: string, split: Split, folder: string, name: string, hint: string): ImageDataset {
  const prefix = split === 'train' ? 'train' : 't10k';
  const read = (file: string, what: string): IdxArray => {
    const path = findIdxFile(dir, folder, file);
    if (path === null) throw dataMissing(join(dir, folder, 'raw', file), `${name} ${what}; looked for ${file}[.gz] in ${join(dir, folder, 'raw')} and ${dir}`, hint);
    const arr = readIdx(readDataFile(path, `${name} ${what}`, hint), path, hint);
    return Object.assign(arr, { path });
  };
  const images = read(`${prefix}-images-idx3-ubyte`, `${split} images`) as IdxArray & { path: string };
  const labels = read(`${prefix}-labels-idx1-ubyte`, `${split} labels`) as IdxArray & { path: string };
  if (images.dims.length !== 3) throw dataFormat(images.path, `expected a 3-D image array (N×H×W), found ${images.dims.length}-D`, hint);
  if (labels.dims.length !== 1) throw dataFormat(labels.path, `expected a 1-D label array, found ${labels.dims.length}-D`, hint);
  const [n, height, width] = images.dims as [number, number, number];
  if (labels.dims[0] !== n) throw dataCorrupt(labels.path, `${labels.dims[0]} labels for ${n} images in ${images.path}`, hint);
  const bad = labels.data.findIndex((l) => l > 9);
  if (bad >= 0) throw dataCorrupt(labels.path, `label ${labels.data[bad]} of image ${bad} is outside 0..9`, hint);
  return { name, images: images.data, labels: Int32Array.from(labels.data), n, channels: 1, height, width, classes: 10 };
}

function hex(b: Uint8Array): string {
  return Array.from(b, (x) => x.toString(16).padStart(2, '0')).join(' ');
}
