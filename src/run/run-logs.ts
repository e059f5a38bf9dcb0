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
