/** Devices: 'cpu', 'cuda', 'cuda:N'. They cross the native boundary as integers (-1 = cpu, N = cuda:N). */
import { SdartsError, rangeError, typeError } from '../util/errors.js';
import { native } from './native.js';

export type Device = 'cpu' | 'cuda' | `cuda:${number}`;

const CUDA_RE = /^cuda(?::(\d+))?$/;

export function deviceCode(fn: string, d: unknown, arg = 'device'): number {
  if (typeof d !== 'string') throw typeError(fn, arg, "a device string ('cpu', 'cuda' or 'cuda:N')", d);
  if (d === 'cpu') return -1;
  const m = CUDA_RE.exec(d);
  if (!m) throw rangeError(fn, arg, "a device string ('cpu', 'cuda' or 'cuda:N')", d);
  const index = m[1] === undefined ? 0 : parseInt(m[1], 10);
  const count = (cudaCount ??= native().cudaDeviceCount());
  if (index >= count) {
    const why =
      count === 0
        ? native().buildInfo().cudaBuild
          ? 'no CUDA device is visible on this machine'
          : 'this addon was built against a CPU-only LibTorch (rebuild with a CUDA torch: see the README, "How LibTorch is found")'
        : `only ${count} CUDA device(s) are visible`;
    throw new SdartsError('ERR_SDARTS_NO_CUDA', `${fn}(): '${arg}' is '${d}' but ${why}. Use device 'cpu'.`);
  }
  return index;
}

let cudaCount: number | undefined;

export function deviceFromCode(code: number): Device {
  return code === -1 ? 'cpu' : (`cuda:${code}` as Device);
}

/** Canonical form: 'cuda' → 'cuda:0'. */
export function normalizeDevice(d: string): Device {
  return deviceFromCode(deviceCode('normalizeDevice', d));
}
