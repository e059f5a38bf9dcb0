/** Devices: 'cpu', 'cuda', 'cuda:N'. They cross the native boundary as integers (-1 = cpu, N = cuda:N). */
import { rangeError, typeError } from '../util/errors.js';

export type Device = 'cpu' | 'cuda' | `cuda:${number}`;

const CUDA_RE = /^cuda(?::(\d+))?$/;

export function deviceCode(fn: string, d: unknown, arg = 'device'): number {
  if (typeof d !== 'string') throw typeError(fn, arg, "a device string ('cpu', 'cuda' or 'cuda:N')", d);
  if (d === 'cpu') return -1;
  const m = CUDA_RE.exec(d);
  if (!m) throw rangeError(fn, arg, "a device string ('cpu', 'cuda' or 'cuda:N')", d);
  return m[1] === undefined ? 0 : parseInt(m[1], 10);
}

export function deviceFromCode(code: number): Device {
  return code === -1 ? 'cpu' : (`cuda:${code}` as Device);
}

/** Canonical form: 'cuda' → 'cuda:0'. */
export function normalizeDevice(d: string): Device {
  return deviceFromCode(deviceCode('normalizeDevice', d));
}
