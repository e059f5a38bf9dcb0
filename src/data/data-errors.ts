import { readFileSync, statSync } from 'node:fs';
import { SdartsError } from '../util/errors.js';

/**
 * Errors of the dataset layer (their codes, ERR_SDARTS_DATA_*, are in the catalogue,
 * src/util/error-codes.ts). Every message names the file, says what was expected and what was
 * found, and ends with what to do, so a user with a half-downloaded dataset knows the next command.
 */

/** The fix we suggest for a missing or damaged dataset file. */
export function downloadHint(dataset: string, dir: string): string {
  return `run \`sdarts data download ${dataset} --dir ${dir}\``;
}

export function dataMissing(path: string, what: string, hint: string): SdartsError {
  return new SdartsError('ERR_SDARTS_DATA_MISSING', `Dataset file not found: ${path} (${what}). To fix: ${hint}.`);
}

export function dataCorrupt(path: string, detail: string, hint: string): SdartsError {
  return new SdartsError('ERR_SDARTS_DATA_CORRUPT', `Dataset file is damaged: ${path}: ${detail}. To fix: ${hint}.`);
}

export function dataFormat(path: string, detail: string, hint: string): SdartsError {
  return new SdartsError('ERR_SDARTS_DATA_FORMAT', `Dataset file has an unexpected format: ${path}: ${detail}. To fix: ${hint}.`);
}

/** True when `path` names an existing regular file. */
export function isFile(path: string): boolean {
  try {
    return statSync(path).isFile();
  } catch {
    return false;
  }
}

/** Read a whole dataset file, turning "not there" into ERR_SDARTS_DATA_MISSING. */
export function readDataFile(path: string, what: string, hint: string): Buffer {
  if (!isFile(path)) throw dataMissing(path, what, hint);
  return readFileSync(path);
}
