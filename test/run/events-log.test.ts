import { appendFileSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { SdartsError } from '../../src/util/errors.js';
import { EventsLog, formatTimestamp, readEvents, TextLog } from '../../src/run/events-log.js';

const tmp = mkdtempSync(join(tmpdir(), 'sdarts-events-'));
afterAll(() => rmSync(tmp, { recursive: true, force: true }));
let n = 0;
const freshDir = (): string => {
  const dir = join(tmp, `run-${n++}`);
  mkdirSync(dir);
  return dir;
};

function thrown(fn: () => unknown): Error & { code?: string } {
  try {
    fn();
  } catch (err) {
    return err as Error & { code?: string };
  }
  throw new Error('expected the call to throw');
}

describe('EventsLog / readEvents', () => {
  it('appends one JSON object per line and reads them back in order', () => {
    const dir = freshDir();
    const log = new EventsLog(dir);
    log.append({ type: 'start', config: { epochs: 2, space: 's5' } });
    log.append({ type: 'epoch', epoch: 0, train: { loss: 1.25, acc: 0.5 } });
    log.sync();
    log.append({ type: 'epoch', epoch: 1, train: { loss: 0.75, acc: 0.625 } });
    log.close();
    expect(readFileSync(join(dir, 'events.jsonl'), 'utf8')).toBe(
      '{"type":"start","config":{"epochs":2,"space":"s5"}}\n' +
        '{"type":"epoch","epoch":0,"train":{"loss":1.25,"acc":0.5}}\n' +
        '{"type":"epoch","epoch":1,"train":{"loss":0.75,"acc":0.625}}\n',
    );
    expect(readEvents(dir)).toEqual([
      { type: 'start', config: { epochs: 2, space: 's5' } },
      { type: 'epoch', epoch: 0, train: { loss: 1.25, acc: 0.5 } },
      { type: 'epoch', epoch: 1, train: { loss: 0.75, acc: 0.625 } },
    ]);
    expect(readEvents(join(dir, 'events.jsonl'))).toHaveLength(3);
  });

  it('keeps NaN and Infinity visible as strings instead of null', () => {
    const dir = freshDir();
    const log = new EventsLog(dir);
    log.append({ loss: Number.NaN, grad: Number.POSITIVE_INFINITY, low: Number.NEGATIVE_INFINITY, ok: 1 });
    log.close();
    expect(readEvents(dir)).toEqual([{ loss: 'NaN', grad: 'Infinity', low: '-Infinity', ok: 1 }]);
  });

  it('ignores a truncated last line (a killed run) but rejects a corrupt line in the middle', () => {
    const dir = freshDir();
    const path = join(dir, 'events.jsonl');
    const log = new EventsLog(dir);
    log.append({ epoch: 0 });
    log.append({ epoch: 1 });
    log.close();
    appendFileSync(path, '{"epoch": 2, "train": {"lo');
    expect(readEvents(path)).toEqual([{ epoch: 0 }, { epoch: 1 }]);

    writeFileSync(path, '{"epoch": 0}\n{"epoch": \n{"epoch": 2}\n');
    const err = thrown(() => readEvents(path));
    expect(err).toBeInstanceOf(SdartsError);
    expect(err.code).toBe('ERR_SDARTS_RUN_EVENTS_CORRUPT');
    expect(err.message).toMatch(new RegExp(`^readEvents\\(\\): '${path.replace(/[.*+?^${}()|[\]\\/]/g, '\\$&')}' line 2: not valid JSON \\(`));

    writeFileSync(path, '{"epoch": 0}\n[1, 2]\n');
    expect(thrown(() => readEvents(path)).message).toBe(`readEvents(): '${path}' line 2: expected a JSON object but found array of length 2`);
  });

  it('trims a cut-off last line when reopened, so appends after a resume stay parseable', () => {
    const dir = freshDir();
    const path = join(dir, 'events.jsonl');
    writeFileSync(path, '{"epoch":0}\n{"epoch":1}\n{"epoch":2,"tr');
    const log = new EventsLog(dir);
    expect(log.trimmedBytes).toBe('{"epoch":2,"tr'.length);
    log.append({ epoch: 2, resumed: true });
    log.close();
    expect(readFileSync(path, 'utf8')).toBe('{"epoch":0}\n{"epoch":1}\n{"epoch":2,"resumed":true}\n');

    // A file that is one partial line is emptied; an intact file is left alone.
    const dir2 = freshDir();
    const log2a = new EventsLog(dir2);
    log2a.close();
    writeFileSync(join(dir2, 'events.jsonl'), '{"par');
    const log2 = new EventsLog(dir2);
    expect(log2.trimmedBytes).toBe(5);
    log2.close();
    expect(readFileSync(join(dir2, 'events.jsonl'), 'utf8')).toBe('');
    const log3 = new EventsLog(dir);
    expect(log3.trimmedBytes).toBe(0);
    log3.close();
  });

  it('trims across the 64 KiB scan chunk boundary', () => {
    const dir = freshDir();
    const path = join(dir, 'events.jsonl');
    const longLine = JSON.stringify({ blob: 'x'.repeat(70_000) });
    writeFileSync(path, `{"a":1}\n${longLine.slice(0, 69_000)}`);
    const log = new EventsLog(dir);
    expect(log.trimmedBytes).toBe(69_000);
    log.close();
    expect(readFileSync(path, 'utf8')).toBe('{"a":1}\n');
  });

  it('rejects non-objects, unserialisable values, writes after close and missing files', () => {
    const dir = freshDir();
    const log = new EventsLog(dir);
    let err = thrown(() => log.append([1] as unknown as Record<string, unknown>));
    expect(err).toBeInstanceOf(TypeError);
    expect(err.message).toBe("Expected a plain object for 'event' in EventsLog.append() but received array of length 1");
    err = thrown(() => log.append({ big: 1n }));
    expect(err).toBeInstanceOf(SdartsError);
    expect(err.code).toBe('ERR_SDARTS_RUN_EVENTS_SERIALIZE');
    expect(err.message).toMatch(/^EventsLog\.append\(\): event is not JSON-serialisable \(.*BigInt.*\); log plain numbers, strings, arrays and objects$/);
    log.close();
    err = thrown(() => log.append({ a: 1 }));
    expect(err.code).toBe('ERR_SDARTS_RUN_EVENTS_CLOSED');
    expect(err.message).toBe(`EventsLog.append(): '${join(dir, 'events.jsonl')}' is closed; open a new EventsLog to append`);
    expect(readFileSync(join(dir, 'events.jsonl'), 'utf8')).toBe(''); // nothing partial was written

    err = thrown(() => readEvents(join(tmp, 'nope', 'events.jsonl')));
    expect(err.code).toBe('ERR_SDARTS_RUN_EVENTS_NOT_FOUND');
    expect(err.message).toMatch(/^readEvents\(\): cannot read '.*nope\/events\.jsonl': ENOENT.*\. Pass a run directory or its events\.jsonl$/);
  });
});

describe('TextLog', () => {
  it('writes timestamped lines, indents continuation lines and echoes', () => {
    const dir = freshDir();
    const echoed: string[] = [];
    const t = new Date(2025, 0, 31, 14, 2, 7); // local time, as the log prints it
    const log = new TextLog(dir, { now: () => t, echo: (l) => echoed.push(l) });
    log.line('epoch 0 lr 0.025');
    log.line('genotype = Genotype(\n  normal=[])');
    log.close();
    const stamp = '2025-01-31 14:02:07';
    expect(formatTimestamp(t)).toBe(stamp);
    const expected = `${stamp} epoch 0 lr 0.025\n${stamp} genotype = Genotype(\n${' '.repeat(stamp.length + 1)}  normal=[])\n`;
    expect(readFileSync(join(dir, 'log.txt'), 'utf8')).toBe(expected);
    expect(echoed.join('\n') + '\n').toBe(expected);
  });

  it('appends to an existing log and refuses writes after close', () => {
    const dir = freshDir();
    const now = () => new Date(2024, 11, 1, 9, 5, 3);
    const a = new TextLog(dir, { now });
    a.line('first');
    a.close();
    const b = new TextLog(dir, { now });
    b.line('second');
    b.close();
    expect(readFileSync(join(dir, 'log.txt'), 'utf8')).toBe('2024-12-01 09:05:03 first\n2024-12-01 09:05:03 second\n');
    const err = thrown(() => b.line('third'));
    expect(err).toBeInstanceOf(SdartsError);
    expect(err.code).toBe('ERR_SDARTS_RUN_LOG_CLOSED');
    const te = thrown(() => new TextLog(dir, { fileName: '../x.txt' }));
    expect(te).toBeInstanceOf(TypeError);
    expect(te.message).toBe('Expected a file name without path separators for \'options.fileName\' in TextLog() but received "../x.txt" (string)');
  });
});
