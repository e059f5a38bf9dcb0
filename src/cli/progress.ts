/**
 * Progress output for the CLI: on a TTY one live status line that always says what the job is doing —
 * startup, the first step, train steps (bar, running means of loss and accuracy or perplexity, s/step, ETA),
 * the validation or test pass (batches done), the Hessian analysis, checkpoint writes — with the time spent
 * in the phase, redrawn on every event and once a second while the event loop is free; the epoch summaries
 * as lines above it. Not a TTY: the text log's lines, plus one line when a validation, analysis or test
 * phase begins. --json: one JSON object per event (but not the per-batch `progress` events,
 * src/run/phase-events.ts).
 */
export interface ProgressOptions {
  json: boolean;
  tty: boolean;
  out?: NodeJS.WriteStream;
  /** 'ppl' for the language-model jobs (rnn search, rnn train): loss and perplexity instead of accuracy. */
  metric?: 'acc' | 'ppl';
  /** The clock (ms), for tests. */
  now?: () => number;
}

type AnyEvent = { type: string; [k: string]: unknown };

export function clock(seconds: number): string {
  if (!Number.isFinite(seconds) || seconds < 0) return '--:--';
  const s = Math.round(seconds);
  const h = Math.floor(s / 3600),
    m = Math.floor((s % 3600) / 60),
    r = s % 60;
  return h > 0 ? `${h}:${String(m).padStart(2, '0')}:${String(r).padStart(2, '0')}` : `${String(m).padStart(2, '0')}:${String(r).padStart(2, '0')}`;
}

const PHASE_LABELS: Readonly<Record<string, string>> = {
  startup: 'starting: loading the data and building the model',
  'first-step': 'first step (allocating, building the graph: the slowest one)',
  validation: 'validation pass',
  analysis: 'Hessian analysis (dominant eigenvalue of ∇²_α L_valid)',
  checkpoint: 'writing checkpoint',
  test: 'test pass',
  'epoch-end': 'saving the epoch',
};

const SPINNER = '⠋⠙⠹⠸⠼⠴⠦⠧⠇⠏';

export class ProgressReporter {
  private readonly out: NodeJS.WriteStream;
  private readonly now: () => number;
  private readonly metric: 'acc' | 'ppl';
  private stepTimes: number[] = [];
  private barShown = false;
  private epochs = 0;
  private stepsPerEpoch = 0;
  /** Where the job stands: its epoch (0-based) and step. */
  private epoch = 0;
  private step = 0;
  /** The phase shown and when it began (ms). */
  private phase = 'startup';
  private phaseSince: number;
  private phaseDetail = '';
  /** Running means of this epoch's steps. */
  private sums = { n: 0, loss: 0, top1: 0, epoch: -1 };
  /** Seconds between the end of an epoch's last step and the start of the next epoch's first: validation, analysis, checkpoint. */
  private overhead: number | null = null;
  private overheadSince: number | null = null;
  private frames = 0;
  private timer: NodeJS.Timeout | null = null;
  private lastDraw = 0;

  constructor(private readonly o: ProgressOptions) {
    this.out = o.out ?? process.stdout;
    this.now = o.now ?? Date.now;
    this.metric = o.metric ?? 'acc';
    this.phaseSince = this.now();
  }

  /** Show the startup phase now and keep the status line alive (redrawn each second) until `close()`. */
  begin(): void {
    if (!this.o.tty || this.o.json) return;
    this.draw();
    this.timer = setInterval(() => this.tick(), 1000);
    this.timer.unref();
  }

  /** Redraw the status line (its phase time moves on); the timer's tick. */
  tick(): void {
    if (this.o.tty && !this.o.json) this.draw();
  }

  close(): void {
    if (this.timer) clearInterval(this.timer);
    this.timer = null;
    if (this.barShown) {
      this.out.write('\n');
      this.barShown = false;
    }
  }

  /** Lines from the run's text log (shown only in plain mode; the TTY shows the status line instead). */
  logLine(line: string): void {
    if (!this.o.json && !this.o.tty) this.out.write(line + '\n');
  }

  handle(ev: AnyEvent): void {
    if (this.o.json) {
      if (ev.type !== 'progress') this.out.write(JSON.stringify(ev) + '\n');
      return;
    }
    if (ev.type === 'start') this.epochs = Number(ev['epochs'] ?? 0);
    if (!this.o.tty) {
      if (ev.type === 'phase' && ['validation', 'analysis', 'test'].includes(String(ev['phase'])))
        this.out.write(`${this.epochTag(Number(ev['epoch']))}${PHASE_LABELS[String(ev['phase'])]}${ev['total'] ? ` (${ev['total']} batches)` : ''} …\n`);
      return;
    }
    const t = this.now();
    if (ev.type === 'start') {
      this.epochs = Number(ev['epochs'] ?? 0);
      this.stepsPerEpoch = Number(ev['stepsPerEpoch'] ?? 0);
      this.epoch = Number(ev['epoch'] ?? 0);
      this.step = Number(ev['step'] ?? 0);
      this.println(`run dir: ${ev['runDir']}${ev['resumed'] ? ` (resumed at epoch ${ev['epoch']}, step ${ev['step']})` : ''}`);
      this.setPhase('startup', '');
    } else if (ev.type === 'phase') {
      const p = String(ev['phase']);
      if (p !== 'checkpoint') this.epoch = Math.min(Number(ev['epoch']), Math.max(this.epochs - 1, 0));
      if ((p === 'validation' || p === 'test') && this.overheadSince === null) this.overheadSince = t;
      this.setPhase(p, ev['total'] ? `${ev['total']} batches` : '');
      this.draw();
    } else if (ev.type === 'progress' && ev['phase'] === this.phase) {
      this.phaseDetail = ev['total'] ? `${ev['done']}/${ev['total']} batches` : `batch ${ev['done']}`;
      if (t - this.lastDraw >= 100 || ev['done'] === 1 || ev['done'] === ev['total']) this.draw();
    } else if (ev.type === 'checkpoint') {
      this.phaseDetail = `written (epoch ${ev['epoch']}, step ${ev['step']})`;
      this.draw();
    } else if (ev.type === 'step') {
      this.onStep(ev, t);
      this.draw();
    } else if (ev.type === 'epoch') {
      this.setPhase('epoch-end', '');
      this.println(this.epochLine(ev));
      if (typeof ev['genotype'] === 'string') this.println(`  genotype: ${ev['genotype']}`);
    } else if (ev.type === 'rollback') {
      this.println(
        `loss ${ev['loss']} at epoch ${Number(ev['epoch']) + 1} step ${Number(ev['step']) + 1}: rolled back to epoch ${Number(ev['toEpoch']) + 1} step ${ev['toStep']}`,
      );
    } else if (ev.type === 'end') {
      if (this.timer) clearInterval(this.timer);
      this.timer = null;
      if (typeof ev['genotype'] === 'string') this.println(`${ev['reason'] === 'completed' ? 'final genotype' : 'genotype so far'}: ${ev['genotype']}`);
      if (typeof ev['testAcc'] === 'number')
        this.println(`test accuracy: top-1 ${Number(ev['testAcc']).toFixed(2)}%, top-5 ${Number(ev['testTop5']).toFixed(2)}%`);
      if (typeof ev['testPpl'] === 'number')
        this.println(
          `test perplexity ${Number(ev['testPpl']).toFixed(2)} (best model of epoch ${Number(ev['bestEpoch']) + 1}, valid ppl ${Number(ev['bestValidPpl']).toFixed(2)})`,
        );
      this.println(`run directory: ${ev['runDir']}`);
    }
  }

  private onStep(ev: AnyEvent, t: number): void {
    const seconds = Number(ev['seconds']);
    this.epoch = Number(ev['epoch']);
    this.step = Number(ev['step']);
    this.stepsPerEpoch = Number(ev['stepsPerEpoch']);
    if (this.overheadSince !== null) {
      // The first step after an epoch's end: the time since its validation began, less this step, is the per-epoch overhead.
      this.overhead = Math.max(0, (t - this.overheadSince) / 1000 - seconds);
      this.overheadSince = null;
    }
    this.stepTimes.push(seconds);
    if (this.stepTimes.length > 50) this.stepTimes.shift();
    if (this.sums.epoch !== this.epoch) this.sums = { n: 0, loss: 0, top1: 0, epoch: this.epoch };
    this.sums.n++;
    this.sums.loss += Number(ev['loss']);
    this.sums.top1 += Number(ev['top1']);
    this.setPhase('train', '');
  }

  /** Seconds left: the remaining steps at the mean step time, plus each remaining epoch's validation/analysis as measured last epoch. */
  private eta(inPhaseSeconds: number): { seconds: number; lower: boolean } {
    if (this.stepTimes.length === 0) return { seconds: NaN, lower: true };
    const avg = this.stepTimes.reduce((a, b) => a + b, 0) / this.stepTimes.length;
    const training = this.phase === 'train';
    const stepsLeft = (training ? this.stepsPerEpoch - this.step : 0) + Math.max(0, this.epochs - this.epoch - 1) * this.stepsPerEpoch;
    const overheadsLeft = Math.max(0, this.epochs - this.epoch - (training ? 0 : 1));
    const o = this.overhead ?? 0;
    const current = training ? 0 : Math.max(0, o - inPhaseSeconds);
    return { seconds: stepsLeft * avg + overheadsLeft * o + current, lower: this.overhead === null };
  }

  private setPhase(p: string, detail: string): void {
    if (p !== this.phase) this.phaseSince = this.now();
    this.phase = p;
    this.phaseDetail = detail;
  }

  private epochTag(epoch: number): string {
    return this.epochs > 0 ? `epoch ${epoch + 1}/${this.epochs} ` : '';
  }

  /** The status line for the current phase. */
  private status(): string {
    const inPhase = (this.now() - this.phaseSince) / 1000;
    const eta = this.eta(inPhase);
    const etaText = Number.isFinite(eta.seconds) ? `  ETA ${eta.lower ? '≥' : ''}${clock(eta.seconds)}` : '';
    if (this.phase === 'train') {
      const steps = this.stepsPerEpoch,
        width = (this.out.columns ?? 100) < 100 ? 10 : 20, // the whole line fits 80 columns
        done = Math.max(0, Math.min(width, Math.round((width * this.step) / steps)));
      const bar = '█'.repeat(done) + '░'.repeat(width - done);
      const avg = this.stepTimes.reduce((a, b) => a + b, 0) / this.stepTimes.length;
      const loss = this.sums.loss / this.sums.n;
      const quality = this.metric === 'ppl' ? `ppl ${Math.exp(loss).toFixed(2)}` : `acc ${(this.sums.top1 / this.sums.n).toFixed(1)}%`;
      return `${this.epochTag(this.epoch)}${bar} ${this.step}/${steps}  loss ${loss.toFixed(4)}  ${quality}  ${avg.toFixed(2)}s/step${etaText}`;
    }
    const spin = SPINNER[this.frames++ % SPINNER.length];
    const detail = this.phaseDetail ? `  ${this.phaseDetail}` : '';
    return `${this.epochTag(this.epoch)}${spin} ${PHASE_LABELS[this.phase] ?? this.phase}${detail}  ${clock(inPhase)}${etaText}`;
  }

  private draw(): void {
    this.lastDraw = this.now();
    // One screen line, or the erase-line of the next redraw would leave the wrapped part behind.
    const columns = this.out.columns;
    const line = this.status();
    this.out.write(`\r\x1b[2K${columns && line.length >= columns ? line.slice(0, columns - 2) + '…' : line}`);
    this.barShown = true;
  }

  private epochLine(ev: AnyEvent): string {
    const head = `epoch ${Number(ev['epoch']) + 1}/${ev['epochs']}:`;
    const time = `(${Number(ev['seconds']).toFixed(1)} s)`;
    const eig = typeof ev['eigenvalue'] === 'number' ? `  λmax ${ev['eigenvalue'].toExponential(3)}` : '';
    if (this.metric === 'ppl' || ev['validPpl'] !== undefined) {
      const best = ev['best'] === true ? '  (best so far)' : '';
      const opt = ev['switched'] === true ? '  → switching to ASGD' : '';
      return `${head} train loss ${Number(ev['trainLoss']).toFixed(4)} ppl ${Math.exp(Number(ev['trainLoss'])).toFixed(2)}  valid loss ${Number(ev['validLoss']).toFixed(4)} ppl ${Math.exp(Number(ev['validLoss'])).toFixed(2)}${best}${eig}${opt}  ${time}`;
    }
    if (ev['testAcc'] !== undefined)
      return `${head} train acc ${Number(ev['trainAcc']).toFixed(2)}%  loss ${Number(ev['trainLoss']).toFixed(4)}  test acc ${Number(ev['testAcc']).toFixed(2)}% (top-5 ${Number(ev['testTop5']).toFixed(2)}%)  ${time}`;
    return `${head} train acc ${Number(ev['trainAcc']).toFixed(2)}%  valid acc ${Number(ev['validAcc']).toFixed(2)}%  loss ${Number(ev['trainLoss']).toFixed(4)}${eig}  ${time}`;
  }

  private println(s: string): void {
    if (this.barShown) {
      this.out.write('\r\x1b[2K');
      this.barShown = false;
    }
    this.out.write(s + '\n');
  }
}
