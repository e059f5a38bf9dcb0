import { join } from 'node:path';
import type { ImageDataset, Split } from './image-dataset.js';
import { dataCorrupt, dataFormat, downloadHint, isFile, readDataFile } from './data-errors.js';
import { readMatV5, type MatArray, type MatUnsupported } from './mat-v5.js';

/**
 * SVHN cropped digits (`train_32x32.mat`, `test_32x32.mat`, as torchvision stores them in its root, or
 * under `svhn/`). X is a MATLAB H×W×3×N uint8 array in column-major order; torchvision transposes it
 * with axes (3, 2, 0, 1) to N×3×H×W, which is our CHW layout. Labels y run 1..10 with 10 meaning the
 * digit 0, so torchvision takes y mod 10; we do the same.
 */
export function loadSvhn(dir: string, split: Split): ImageDataset {
  const hint = downloadHint('svhn', dir);
  const file = `${split}_32x32.mat`;
  const path = isFile(join(dir, file)) || !isFile(join(dir, 'svhn', file)) ? join(dir, file) : join(dir, 'svhn', file);
  const vars = readMatV5(readDataFile(path, `SVHN ${split} split`, hint), { source: path, hint });
  const X = numeric(vars.get('X'), 'X', path, hint);
  const y = numeric(vars.get('y'), 'y', path, hint);

  if (X.dims.length !== 4 || X.dims[2] !== 3 || X.className !== 'uint8') {
    throw dataFormat(path, `expected X as a uint8 H×W×3×N array, found ${X.className} [${X.dims.join('×')}]`, hint);
  }
  const [h, w, c, n] = X.dims as [number, number, number, number];
  const yCount = y.dims.reduce((a, b) => a * b, 1);
  if (yCount !== n) throw dataCorrupt(path, `X holds ${n} images but y holds ${yCount} labels`, hint);

  const images = new Uint8Array(n * c * h * w);
  const plane = h * w;
  const src = X.data as Uint8Array;
  // MATLAB X(row, col, ch, img) sits at row + h·(col + w·(ch + c·img)), so each (ch, img) plane is a
  // contiguous column-major h×w block; transpose it into row-major.
  for (let k = 0; k < n * c; k++) {
    const base = k * plane;
    for (let col = 0; col < w; col++) {
      const s = base + col * h;
      for (let row = 0; row < h; row++) images[base + row * w + col] = src[s + row]!;
    }
  }

  const labels = new Int32Array(n);
  for (let i = 0; i < n; i++) {
    const v = y.data[i]!;
    if (!Number.isInteger(v) || v < 0 || v > 10) throw dataCorrupt(path, `label y(${i + 1}) = ${v} is not one of 1..10`, hint);
    labels[i] = v % 10;
  }
  return { name: 'svhn', images, labels, n, channels: c, height: h, width: w, classes: 10 };
}

function numeric(v: MatArray | MatUnsupported | undefined, name: string, path: string, hint: string): MatArray {
  if (v === undefined) throw dataFormat(path, `no variable "${name}" in the MAT-file (an SVHN file holds X and y)`, hint);
  if (v.data === null) throw dataFormat(path, `variable "${name}" is a ${v.className} array, expected a numeric one`, hint);
  return v;
}
