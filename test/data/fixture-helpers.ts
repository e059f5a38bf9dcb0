import { createHash } from 'node:crypto';
import { cpSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { expect, onTestFinished } from 'vitest';
import { SdartsError } from '../../src/util/errors.js';
import type { ImageDataset } from '../../src/data/dataset.js';

/** Fixtures written by scripts/fixtures/make_data_fixtures.py (see each folder's manifest.json). */
export const FIXTURES = fileURLToPath(new URL('../fixtures/data/', import.meta.url));

export interface ExpectedImages {
  n: number;
  channels: number;
  height: number;
  width: number;
  labels: number[];
  sha256: string;
  sums: number[];
  first_pixels: number[];
}

export function manifest(name: string): any {
  return JSON.parse(readFileSync(join(FIXTURES, name, 'manifest.json'), 'utf8'));
}

/** The dataset equals what the Python script computed the torchvision way. */
export function expectImages(ds: ImageDataset, want: ExpectedImages, classes: number): void {
  expect({ n: ds.n, c: ds.channels, h: ds.height, w: ds.width, classes: ds.classes }).toEqual({ n: want.n, c: want.channels, h: want.height, w: want.width, classes });
  expect(ds.images.length).toBe(want.n * want.channels * want.height * want.width);
  expect(Array.from(ds.labels)).toEqual(want.labels);
  expect(ds.labels).toBeInstanceOf(Int32Array);
  expect(Array.from(ds.images.subarray(0, 8))).toEqual(want.first_pixels);
  const per = want.channels * want.height * want.width;
  const sums = Array.from({ length: ds.n }, (_, i) => ds.images.subarray(i * per, (i + 1) * per).reduce((a, b) => a + b, 0));
  expect(sums).toEqual(want.sums);
  expect(createHash('sha256').update(ds.images).digest('hex')).toBe(want.sha256);
}

/** Run fn, expect an SdartsError with this code whose message contains every fragment. */
export function expectDataError(fn: () => unknown, code: string, ...fragments: string[]): SdartsError {
  let caught: unknown;
  try {
    fn();
  } catch (err) {
    caught = err;
  }
  expect(caught).toBeInstanceOf(SdartsError);
  const err = caught as SdartsError;
  expect(err.code).toBe(code);
  for (const f of fragments) expect(err.message).toContain(f);
  return err;
}

export async function expectDataErrorAsync(p: Promise<unknown>, code: string, ...fragments: string[]): Promise<SdartsError> {
  const err = await p.then(
    () => undefined,
    (e: unknown) => e,
  );
  expect(err).toBeInstanceOf(SdartsError);
  const e = err as SdartsError;
  expect(e.code).toBe(code);
  for (const f of fragments) expect(e.message).toContain(f);
  return e;
}

/** Run fn, expect exactly this error class, message and code (argument errors from src/util/errors.ts). */
export function expectArgError(fn: () => unknown, cls: typeof TypeError | typeof RangeError, message: string, code: string): void {
  let caught: unknown;
  try {
    fn();
  } catch (err) {
    caught = err;
  }
  expect(caught).toBeInstanceOf(cls);
  expect((caught as Error).message).toBe(message);
  expect((caught as { code?: string }).code).toBe(code);
}

/** A fresh temp directory (removed when the calling test ends), optionally seeded with a fixture folder. */
export function tempDir(copyFixture?: string): string {
  const dir = mkdtempSync(join(tmpdir(), 'sdarts-data-'));
  onTestFinished(() => rmSync(dir, { recursive: true, force: true }));
  if (copyFixture) cpSync(join(FIXTURES, copyFixture), dir, { recursive: true });
  return dir;
}
