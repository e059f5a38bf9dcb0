/** Seeds and generator state, threads, CUDA queries, build info. */
import { native } from './native.js';
import { deviceCode, type Device } from './device.js';
import { intArg } from './check.js';
import { rangeError, typeError } from '../util/errors.js';

/** Seed every LibTorch generator (CPU and CUDA), like torch.manual_seed. */
export function manualSeed(seed: number | bigint): void {
  if (typeof seed === 'bigint') {
    // torch.manual_seed takes [-2^63, 2^64 - 1] (a negative seed modulo 2^64): the same here.
    if (seed < -(2n ** 63n) || seed >= 2n ** 64n) throw rangeError('manualSeed', 'seed', 'an integer in [-2^63, 2^64 - 1]', seed);
    return native().manualSeed(seed);
  }
  native().manualSeed(intArg('manualSeed', 'seed', seed, -(2 ** 53), 2 ** 53));
}

/** Serialised state of the default generator of a device (for exact resume). */
export function getRngState(device: Device = 'cpu'): Uint8Array {
  return native().getRngState(deviceCode('getRngState', device));
}

export function setRngState(state: Uint8Array, device: Device = 'cpu'): void {
  if (!(state instanceof Uint8Array)) throw typeError('setRngState', 'state', 'a Uint8Array from getRngState()', state);
  native().setRngState(deviceCode('setRngState', device), state);
}

/** Intra-op threads for LibTorch. Call before the first op: later calls do not reach threads already used. */
export function setNumThreads(n: number): void {
  native().setNumThreads(intArg('setNumThreads', 'n', n, 1, 1024));
}

export function getNumThreads(): number {
  return native().getNumThreads();
}

export const cuda = {
  isAvailable(): boolean {
    return native().cudaIsAvailable();
  },
  deviceCount(): number {
    return native().cudaDeviceCount();
  },
  synchronize(device: Device = 'cuda'): void {
    native().cudaSynchronize(deviceCode('cuda.synchronize', device));
  },
  /** Caching-allocator statistics in bytes (needs an addon built against a CUDA LibTorch). */
  memoryStats(device: Device = 'cuda'): { allocated: number; allocatedPeak: number; reserved: number; reservedPeak: number } {
    return native().cudaMemoryStats(deviceCode('cuda.memoryStats', device));
  },
};

export function buildInfo(): { torchVersion: string; cudaBuild: boolean; napiVersion: number } {
  return native().buildInfo();
}
