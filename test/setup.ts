// vitest runs test files in parallel forks on a 2-core machine: one intra-op thread per fork avoids
// OpenMP oversubscription (measured 100× slowdowns with 2 threads per fork while the other core is busy).
// Pure-logic tests never load the addon, so this only touches LibTorch when the addon is present.
import { existsSync } from 'node:fs';
import { ADDON_PATH } from '../src/tensor/native.js';

if (existsSync(ADDON_PATH)) {
  const { setNumThreads } = await import('../src/tensor/runtime.js');
  setNumThreads(1);
}
