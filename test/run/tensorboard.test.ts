import { referencePython } from '../helpers/python.js';
import { spawnSync } from 'node:child_process';
import { mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { crc32c, maskedCrc32c } from '../../src/util/crc32c.js';
import { SdartsError } from '../../src/util/errors.js';
import { encodeFileVersionEvent, encodeScalarEvent, FILE_VERSION, TensorBoardWriter } from '../../src/run/tensorboard.js';
import { readEventFile } from './tfevents-reader.js';

const ROOT = join(import.meta.dirname, '..', '..');
/**
 * Bytes serialized by Google's protobuf and framed with the `crc32c` package
 * (scripts/fixtures/tensorboard_reference.py); see the fixture for library versions.
 */
const REF = JSON.parse(readFileSync(join(ROOT, 'test', 'fixtures', 'run', 'tensorboard-reference.json'), 'utf8')) as {
  protobuf: string;
  crc32cCheck: { input: string; crc32c: number; masked: number };
  cases: (
    | { kind: 'file_version'; wallTime: number; eventHex: string }
    | {
        kind: 'scalar';
        tag: string;
        value: number | string;
        float32Value: number | string;
        step: number;
        wallTime: number;
        eventHex: string;
      }
  )[];
  fileHex: string;
};
const num = (v: number | string): number => (typeof v === 'number' ? v : Number(v)); // "NaN", "Infinity", "-Infinity"
const hex = (b: Uint8Array): string => Buffer.from(b).toString('hex');

const tmp = mkdtempSync(join(tmpdir(), 'sdarts-tb-'));
afterAll(() => rmSync(tmp, { recursive: true, force: true }));

function thrown(fn: () => unknown): Error & { code?: string } {
  try {
    fn();
  } catch (err) {
    return err as Error & { code?: string };
  }
  throw new Error('expected the call to throw');
}

describe('event encoding', () => {
  it('CRC-32C check value matches the reference library ("123456789" → 0xE3069283)', () => {
    const bytes = Buffer.from(REF.crc32cCheck.input, 'ascii');
    expect(crc32c(bytes)).toBe(REF.crc32cCheck.crc32c);
    expect(REF.crc32cCheck.crc32c).toBe(0xe3069283);
    expect(maskedCrc32c(bytes)).toBe(REF.crc32cCheck.masked);
  });

  it("serializes each Event byte-for-byte as Google's protobuf does", () => {
    for (const c of REF.cases) {
      const ours = c.kind === 'file_version' ? encodeFileVersionEvent(c.wallTime) : encodeScalarEvent(c.tag, num(c.value), c.step, c.wallTime);
      expect({ case: c.kind === 'scalar' ? c.tag : c.kind, hex: hex(ours) }).toEqual({ case: c.kind === 'scalar' ? c.tag : c.kind, hex: c.eventHex });
    }
  });

  it('writes the reference event file byte-for-byte (file_version record first, TFRecord framing, masked CRCs)', () => {
    const header = REF.cases[0]!;
    const dir = join(tmp, 'bytes');
    const w = new TensorBoardWriter(dir, { wallTime: header.wallTime, host: 'testhost' });
    for (const c of REF.cases.slice(1)) if (c.kind === 'scalar') w.addScalar(c.tag, num(c.value), c.step, c.wallTime);
    w.close();
    expect(w.path).toBe(join(dir, 'events.out.tfevents.1700000000.testhost'));
    expect(readdirSync(dir)).toEqual(['events.out.tfevents.1700000000.testhost']);
    expect(hex(readFileSync(w.path))).toBe(REF.fileHex);
  });
});

/** TensorBoard's own reader runs in the reference Python (npm test's pretest provisions it). */
function tensorboardPython(): string {
  return referencePython();
}

describe('TensorBoardWriter', () => {
  it("round-trips scalars: the in-repo decoder and TensorBoard's own EventAccumulator read what was written", () => {
    const dir = join(tmp, 'run');
    const w = new TensorBoardWriter(dir, { host: 'h' });
    const expected: Record<string, { step: number; value: number; wallTime: number }[]> = {};
    // Deterministic values with float32 rounding to exercise: 1/3, tiny, large, negative.
    const series: Record<string, (s: number) => number> = {
      'train/loss': (s) => 2.3 / (s + 1),
      'train/acc': (s) => s / 3,
      'search/epsilon': (s) => 0.03 + (0.27 * s) / 49,
      'alpha/max_prob': (s) => -1e-7 * s + 1e30 * (s === 4 ? 1 : 0),
    };
    for (let step = 0; step < 5; step++) {
      const wallTime = 1_700_000_000 + step * 0.5;
      for (const [tag, f] of Object.entries(series)) {
        w.addScalar(tag, f(step), step, wallTime);
        (expected[tag] ??= []).push({ step, value: Math.fround(f(step)), wallTime });
      }
      w.flush();
    }
    w.close();

    const events = readEventFile(w.path);
    expect(events[0]!.fileVersion).toBe(FILE_VERSION);
    const decoded: typeof expected = {};
    for (const ev of events.slice(1)) {
      expect(ev.values).toHaveLength(1);
      const v = ev.values[0]!;
      (decoded[v.tag] ??= []).push({ step: ev.step, value: v.simpleValue, wallTime: ev.wallTime });
    }
    expect(decoded).toEqual(expected);

    const python = tensorboardPython();
    {
      const expectedFile = join(tmp, 'expected.json');
      writeFileSync(expectedFile, JSON.stringify({ scalars: expected }));
      const res = spawnSync(python, [join(ROOT, 'scripts', 'fixtures', 'read_tensorboard.py'), dir, expectedFile], { encoding: 'utf8', timeout: 120_000 });
      expect(res.stderr).toBe('');
      expect(res.status).toBe(0);
      const out = JSON.parse(res.stdout) as { scalars: typeof expected };
      expect(out.scalars).toEqual(expected);
    }
  });

  it('gives a second writer in the same second its own file', () => {
    const dir = join(tmp, 'two');
    const a = new TensorBoardWriter(dir, { wallTime: 1_700_000_123, host: 'h' });
    const b = new TensorBoardWriter(dir, { wallTime: 1_700_000_123, host: 'h' });
    a.addScalar('x', 1, 1);
    b.addScalar('x', 2, 1);
    a.close();
    b.close();
    expect(b.path).toBe(join(dir, `events.out.tfevents.1700000123.h.${process.pid}.1`));
    expect(readEventFile(a.path)[1]!.values[0]!.simpleValue).toBe(1);
    expect(readEventFile(b.path)[1]!.values[0]!.simpleValue).toBe(2);
  });

  it('validates arguments and refuses writes after close', () => {
    const w = new TensorBoardWriter(join(tmp, 'args'), { host: 'h' });
    let err = thrown(() => w.addScalar('', 1, 0));
    expect(err).toBeInstanceOf(TypeError);
    expect(err.message).toBe('Expected a non-empty string for \'tag\' in TensorBoardWriter.addScalar() but received "" (string)');
    err = thrown(() => w.addScalar('loss', 1, -1));
    expect(err).toBeInstanceOf(RangeError);
    expect(err.message).toBe("Expected a non-negative integer for 'step' in TensorBoardWriter.addScalar() but received -1 (number)");
    err = thrown(() => w.addScalar('loss', '1' as unknown as number, 0));
    expect(err.message).toBe('Expected a number for \'value\' in TensorBoardWriter.addScalar() but received "1" (string)');
    w.close();
    w.close(); // idempotent
    expect(w.closed).toBe(true);
    err = thrown(() => w.addScalar('loss', 1, 0));
    expect(err).toBeInstanceOf(SdartsError);
    expect(err.code).toBe('ERR_SDARTS_RUN_TENSORBOARD_CLOSED');
    expect(err.message).toBe(`TensorBoardWriter: '${w.path}' is closed; create a new writer to log more scalars`);
    err = thrown(() => new TensorBoardWriter(join(tmp, 'h2'), { host: 'a/b' }));
    expect(err.message).toBe('Expected a host name without path separators for \'options.host\' in TensorBoardWriter() but received "a/b" (string)');
  });
});
