/**
 * The run's two append-only logs:
 *   - `events.jsonl`: one JSON object per line, machine-readable (metrics, genotypes, lifecycle);
 *   - `log.txt`: timestamped human-readable lines, the way the reference scripts' logs read.
 * Both are appended record by record (a killed run keeps what it wrote) and fsynced by `sync()`,
 * which the runner calls at epoch end. A kill can still cut the last line short; the reader
 * ignores such a tail and the writer trims it before appending after a resume, so a cut line
 * never ends up in the middle of the file.
 */
import { closeSync, existsSync, fstatSync, fsyncSync, ftruncateSync, mkdirSync, openSync, readFileSync, readSync, writeSync } from 'node:fs';
import { join } from 'node:path';
import { SdartsError, describe, typeError } from '../util/errors.js';

export type JsonObject = { [key: string]: unknown };

/** What every job's `step` event carries (search and train add their own fields). */
export type StepEventFields = {
  type: 'step';
  epoch: number;
  step: number;
  stepsPerEpoch: number;
  globalStep: number;
  loss: number;
  top1: number;
  top5: number;
  lr: number;
  seconds: number;
};

export const EVENTS_FILE = 'events.jsonl';
export const TEXT_LOG_FILE = 'log.txt';

function writeAll(fd: number, text: string): void {
  const buf = Buffer.from(text, 'utf8');
  let off = 0;
  while (off < buf.length) off += writeSync(fd, buf, off, buf.length - off);
}

/**
 * If the file does not end in a newline, cut it back to just after its last newline (or to empty)
 * and return the number of bytes removed. Scans backwards in chunks: logs can be large.
 */
function trimPartialLine(fd: number): number {
  const size = fstatSync(fd).size;
  if (size === 0) return 0;
  const chunk = Buffer.alloc(64 * 1024);
  let end = size;
  let first = true;
  while (end > 0) {
    const start = Math.max(0, end - chunk.length);
    const n = readSync(fd, chunk, 0, end - start, start);
    if (first && chunk[n - 1] === 0x0a) return 0;
    first = false;
    const nl = chunk.subarray(0, n).lastIndexOf(0x0a);
    if (nl !== -1) {
      ftruncateSync(fd, start + nl + 1);
      return size - (start + nl + 1);
    }
    end = start;
  }
  ftruncateSync(fd, 0);
  return size;
}

/** JSON.stringify turns NaN/±Infinity into null; keep them visible as strings instead. */
function replacer(_key: string, value: unknown): unknown {
  if (typeof value === 'number' && !Number.isFinite(value)) return String(value);
  return value;
}

/** An append-only log file: fsync on demand, fsync + close once. */
abstract class AppendOnlyFile {
  protected fd: number | null = null;

  /** fsync: everything written so far survives a crash. */
  sync(): void {
    if (this.fd !== null) fsyncSync(this.fd);
  }

  /** Flush and close; closing twice is a no-op. */
  close(): void {
    if (this.fd === null) return;
    const fd = this.fd;
    this.fd = null;
    try {
      fsyncSync(fd);
    } finally {
      closeSync(fd);
    }
  }

  [Symbol.dispose](): void {
    this.close();
  }
}

/** Appends one JSON object per line to `<dir>/events.jsonl`. */
export class EventsLog extends AppendOnlyFile {
  readonly path: string;
  /** Bytes of a cut-off last line removed when the file was reopened (0 normally). */
  readonly trimmedBytes: number;

  constructor(dir: string) {
    super();
    if (typeof dir !== 'string' || dir === '') throw typeError('EventsLog', 'dir', 'a directory path', dir);
    mkdirSync(dir, { recursive: true });
    this.path = join(dir, EVENTS_FILE);
    // 'a+' (read + append): trimming needs reads, and appends always land at the end.
    this.fd = openSync(this.path, 'a+', 0o644);
    this.trimmedBytes = trimPartialLine(this.fd);
  }

  /**
   * Append `event` as one line. Non-finite numbers are written as the strings "NaN",
   * "Infinity", "-Infinity" (JSON has no such numbers).
   */
  append(event: JsonObject): void {
    if (typeof event !== 'object' || event === null || Array.isArray(event)) {
      throw typeError('EventsLog.append', 'event', 'a plain object', event);
    }
    if (this.fd === null) {
      throw new SdartsError('ERR_SDARTS_RUN_EVENTS_CLOSED', `EventsLog.append(): '${this.path}' is closed; open a new EventsLog to append`);
    }
    let line: string;
    try {
      line = JSON.stringify(event, replacer);
    } catch (err) {
      throw new SdartsError(
        'ERR_SDARTS_RUN_EVENTS_SERIALIZE',
        `EventsLog.append(): event is not JSON-serialisable (${(err as Error).message}); log plain numbers, strings, arrays and objects`,
        { cause: err },
      );
    }
    writeAll(this.fd, line + '\n');
  }
}

/**
 * Read `events.jsonl` (a path to the file, or to a run directory holding it). A last line without
 * its newline that does not parse is what a killed run leaves: it is ignored. Any other bad line
 * is an error naming the line.
 */
export function readEvents(path: string): JsonObject[] {
  if (typeof path !== 'string' || path === '') throw typeError('readEvents', 'path', 'a path to events.jsonl or a run directory', path);
  let file = path;
  if (existsSync(path) && !path.endsWith('.jsonl')) {
    const candidate = join(path, EVENTS_FILE);
    if (existsSync(candidate)) file = candidate;
  }
  let text: string;
  try {
    text = readFileSync(file, 'utf8');
  } catch (err) {
    throw new SdartsError(
      'ERR_SDARTS_RUN_EVENTS_NOT_FOUND',
      `readEvents(): cannot read '${file}': ${(err as Error).message}. Pass a run directory or its events.jsonl`,
      { cause: err },
    );
  }
  const lines = text.split('\n');
  const tail = lines.pop()!; // '' when the file ends with a newline
  const events: JsonObject[] = [];
  const parse = (line: string, n: number, isTail: boolean): void => {
    if (line.trim() === '') return;
    let v: unknown;
    try {
      v = JSON.parse(line);
    } catch (err) {
      if (isTail) return; // cut short by a kill
      throw new SdartsError('ERR_SDARTS_RUN_EVENTS_CORRUPT', `readEvents(): '${file}' line ${n}: not valid JSON (${(err as Error).message})`, { cause: err });
    }
    if (typeof v !== 'object' || v === null || Array.isArray(v)) {
      if (isTail) return;
      throw new SdartsError('ERR_SDARTS_RUN_EVENTS_CORRUPT', `readEvents(): '${file}' line ${n}: expected a JSON object but found ${describe(v)}`);
    }
    events.push(v as JsonObject);
  };
  lines.forEach((line, i) => parse(line, i + 1, false));
  parse(tail, lines.length + 1, true);
  return events;
}

function pad2(n: number): string {
  return String(n).padStart(2, '0');
}

/** `YYYY-MM-DD HH:MM:SS` in local time. */
export function formatTimestamp(d: Date): string {
  return `${d.getFullYear()}-${pad2(d.getMonth() + 1)}-${pad2(d.getDate())} ${pad2(d.getHours())}:${pad2(d.getMinutes())}:${pad2(d.getSeconds())}`;
}

export interface TextLogOptions {
  /** File name inside `dir` (default `log.txt`). */
  fileName?: string;
  /** Also hand each written line (without newline) to this function, e.g. console output. */
  echo?: (line: string) => void;
  /** Clock, injectable for tests. */
  now?: () => Date;
}

/** Timestamped human-readable lines: `2025-01-31 14:02:07 epoch 3 train_acc 71.20`. */
export class TextLog extends AppendOnlyFile {
  readonly path: string;
  private readonly echo: ((line: string) => void) | undefined;
  private readonly now: () => Date;

  constructor(dir: string, options: TextLogOptions = {}) {
    super();
    if (typeof dir !== 'string' || dir === '') throw typeError('TextLog', 'dir', 'a directory path', dir);
    const fileName = options.fileName ?? TEXT_LOG_FILE;
    if (typeof fileName !== 'string' || fileName === '' || /[/\\]/.test(fileName)) {
      throw typeError('TextLog', 'options.fileName', 'a file name without path separators', fileName);
    }
    mkdirSync(dir, { recursive: true });
    this.path = join(dir, fileName);
    this.fd = openSync(this.path, 'a+', 0o644);
    trimPartialLine(this.fd);
    this.echo = options.echo;
    this.now = options.now ?? (() => new Date());
  }

  /** Write one message; continuation lines of a multi-line message are indented under it. */
  line(message: string): void {
    if (typeof message !== 'string') throw typeError('TextLog.line', 'message', 'a string', message);
    if (this.fd === null) {
      throw new SdartsError('ERR_SDARTS_RUN_LOG_CLOSED', `TextLog.line(): '${this.path}' is closed; open a new TextLog to write`);
    }
    const stamp = formatTimestamp(this.now());
    const indent = ' '.repeat(stamp.length + 1);
    const text = message
      .split(/\r?\n/)
      .map((l, i) => (i === 0 ? `${stamp} ${l}` : indent + l))
      .join('\n');
    writeAll(this.fd, text + '\n');
    this.echo?.(text);
  }
}
