/**
 * The logs of a run directory together — events.jsonl, log.txt, TensorBoard — synced before each
 * checkpoint (which records their sizes) and cut back to those sizes on resume, so that replayed steps
 * are not logged twice.
 */
import { existsSync, statSync, truncateSync } from 'node:fs';
import { join } from 'node:path';
import { EventsLog, TextLog, EVENTS_FILE, TEXT_LOG_FILE, type JsonObject } from './events-log.js';
import { TensorBoardWriter } from './tensorboard.js';

export interface LogSizes {
  events: number;
  log: number;
  tbFile: string | null;
  tb: number;
}

export class RunLogs {
  readonly events: EventsLog;
  readonly text: TextLog;
  readonly tb: TensorBoardWriter;

  /** On resume, `truncateTo` cuts the logs back to their size at the checkpoint (replayed steps are not logged twice). */
  constructor(
    readonly dir: string,
    echo: ((line: string) => void) | undefined,
    truncateTo?: LogSizes,
  ) {
    if (truncateTo) {
      const cut = (file: string, size: number): void => {
        if (existsSync(file) && statSync(file).size > size) truncateSync(file, size);
      };
      cut(join(dir, EVENTS_FILE), truncateTo.events);
      cut(join(dir, TEXT_LOG_FILE), truncateTo.log);
      if (truncateTo.tbFile) cut(join(dir, truncateTo.tbFile), truncateTo.tb);
    }
    this.events = new EventsLog(dir);
    this.text = new TextLog(dir, { echo });
    this.tb = new TensorBoardWriter(dir);
  }

  event(e: JsonObject): void {
    this.events.append(e);
  }

  /** A line of log.txt. */
  line(m: string): void {
    this.text.line(m);
  }

  /** fsync everything and report the sizes a resume truncates back to. */
  sync(): LogSizes {
    this.events.sync();
    this.text.sync();
    this.tb.flush();
    const size = (f: string): number => (existsSync(f) ? statSync(f).size : 0);
    const tbFile = this.tb.path.slice(this.dir.length + 1);
    return { events: size(this.events.path), log: size(join(this.dir, TEXT_LOG_FILE)), tbFile, tb: size(this.tb.path) };
  }

  close(): void {
    this.events.close();
    this.text.close();
    this.tb.close();
  }
}

/** The event a failed run leaves in events.jsonl (and --json prints) before its error is reported. */
export type ErrorEvent = {
  type: 'error';
  message: string;
  code: string | null;
  /** The position of the last completed step (null before the run started). */
  epoch: number | null;
  step: number | null;
  globalStep: number | null;
  /** A checkpoint exists: `--resume` continues from it; otherwise a new run may reuse the directory (--save). */
  resumable: boolean;
};

/**
 * Record a run's failure: an `error` event in events.jsonl and a line in log.txt (through `logs` when
 * they are open, else appended directly), fsynced. Recording never throws over the original error.
 */
export function recordRunError(dir: string, err: unknown, at: { epoch: number; step: number; globalStep: number } | null, logs?: RunLogs): ErrorEvent {
  const e = err as { message?: unknown; code?: unknown } | null;
  const ev: ErrorEvent = {
    type: 'error',
    message: typeof e?.message === 'string' ? e.message : String(err),
    code: typeof e?.code === 'string' ? e.code : null,
    epoch: at?.epoch ?? null,
    step: at?.step ?? null,
    globalStep: at?.globalStep ?? null,
    resumable: existsSync(join(dir, 'checkpoint.safetensors')),
  };
  const where = at ? ` at epoch ${at.epoch} step ${at.step}` : '';
  const hint = ev.resumable
    ? 'the last checkpoint is kept: fix the cause, then continue with --resume'
    : `no checkpoint yet: fix the cause, then start again (the same --save ${dir} may be reused)`;
  const line = `error${ev.code ? ` ${ev.code}` : ''}${where}: ${ev.message} (${hint})`;
  try {
    if (logs) {
      logs.event({ ...ev });
      logs.line(line);
      logs.events.sync();
      logs.text.sync();
    } else {
      const events = new EventsLog(dir),
        text = new TextLog(dir);
      try {
        events.append({ ...ev });
        text.line(line);
      } finally {
        events.close();
        text.close();
      }
    }
  } catch {
    // The directory may be unwritable (the very cause, perhaps): the CLI still reports the error.
  }
  return ev;
}
