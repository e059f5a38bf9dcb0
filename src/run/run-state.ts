/**
 * Shared runner plumbing: run logs (events.jsonl, log.txt, TensorBoard) with resume truncation,
 * optimizer state ⇄ checkpoint tensors, RNG state, and the average meter.
 */
import { existsSync, statSync, truncateSync } from 'node:fs';
import { join } from 'node:path';
import { getRngState, setRngState, tensor, type Device, type NamedTensors, type Tensor } from '../tensor/index.js';
import type { Optimizer, OptimizerStateDict } from '../optim/index.js';
import { EventsLog, TextLog, EVENTS_FILE, TEXT_LOG_FILE, type JsonObject } from './events-log.js';
import { TensorBoardWriter } from './tensorboard.js';

export class AverageMeter {
  sum = 0;
  count = 0;
  update(value: number, n: number): void {
    this.sum += value * n;
    this.count += n;
  }
  get avg(): number {
    return this.count ? this.sum / this.count : 0;
  }
  toJSON(): { sum: number; count: number } {
    return { sum: this.sum, count: this.count };
  }
  static from(s: { sum: number; count: number }): AverageMeter {
    const m = new AverageMeter();
    m.sum = s.sum;
    m.count = s.count;
    return m;
  }
}

export interface LogSizes {
  events: number;
  log: number;
  tbFile: string | null;
  tb: number;
}

/** The three logs of a run directory. */
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

/** Split an optimizer's state dict into checkpoint tensors (under `prefix`) and JSON. */
export function optimizerToCheckpoint<H extends { lr: number }>(opt: Optimizer<H>, prefix: string, tensors: NamedTensors): unknown {
  const sd = opt.stateDict();
  const state: Record<string, Record<string, number | string>> = {};
  for (const [idx, entries] of Object.entries(sd.state)) {
    state[idx] = {};
    for (const [k, v] of Object.entries(entries)) {
      if (typeof v === 'number') state[idx]![k] = v;
      else {
        const name = `${prefix}.${idx}.${k}`;
        tensors[name] = v as Tensor;
        state[idx]![k] = `tensor:${name}`;
      }
    }
  }
  return { state, paramGroups: sd.paramGroups };
}

export function optimizerFromCheckpoint<H extends { lr: number }>(opt: Optimizer<H>, json: unknown, tensors: NamedTensors): void {
  const j = json as { state: Record<string, Record<string, number | string>>; paramGroups: OptimizerStateDict['paramGroups'] };
  const state: OptimizerStateDict['state'] = {};
  for (const [idx, entries] of Object.entries(j.state)) {
    state[Number(idx)] = Object.fromEntries(
      Object.entries(entries).map(([k, v]) => [k, typeof v === 'string' && v.startsWith('tensor:') ? tensors[v.slice(7)]! : (v as number)]),
    );
  }
  opt.loadStateDict({ state, paramGroups: j.paramGroups });
}

/** LibTorch generator states as uint8 tensors (CPU, and the CUDA device in use). */
export function rngToCheckpoint(device: Device, tensors: NamedTensors): void {
  tensors['rng.cpu'] = tensor(getRngState('cpu'));
  if (device !== 'cpu') tensors['rng.cuda'] = tensor(getRngState(device));
}

export function rngFromCheckpoint(device: Device, tensors: NamedTensors): void {
  setRngState(Uint8Array.from(tensors['rng.cpu']!.toArray()), 'cpu');
  if (device !== 'cpu' && tensors['rng.cuda']) setRngState(Uint8Array.from(tensors['rng.cuda'].toArray()), device);
}
