/**
 * Module state dicts as safetensors files: the keys are PyTorch's, so a file written here loads into
 * the equivalent PyTorch module with `load_state_dict(safetensors.torch.load_file(path), strict=True)`.
 */
import { loadSafetensors, saveSafetensors, type Device } from '../tensor/index.js';
import type { Module } from './module.js';

export function saveStateDict(path: string, module: Module, metadata?: Record<string, string>): void {
  saveSafetensors(path, module.stateDict(), metadata);
}

export function loadStateDictFile(
  path: string,
  module: Module,
  o: { strict?: boolean; device?: Device } = {},
): { missingKeys: string[]; unexpectedKeys: string[] } {
  const { tensors } = loadSafetensors(path, o.device ?? 'cpu');
  try {
    return module.loadStateDict(tensors, o.strict ?? true);
  } finally {
    for (const t of Object.values(tensors)) t.dispose();
  }
}
