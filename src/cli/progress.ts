/**
 * Progress output for the CLI: a live bar (step, loss, accuracy, ETA) on a TTY, plain lines otherwise,
 * or one JSON object per event with --json.
 */
export interface ProgressOptions {
  json: boolean;
  tty: boolean;
  out?: NodeJS.WriteStream;
}

type AnyEvent = { type: string; [k: string]: unknown };

function clock(seconds: number): string {
  if (!Number.isFinite(seconds) || seconds < 0) return '--:--';
  const s = Math.round(seconds);
  const h = Math.floor(s / 3600),
    m = Math.floor((s % 3600) / 60),
    r = s % 60;
  return h > 0 ? `${h}:${String(m).padStart(2, '0')}:${String(r).padStart(2, '0')}` : `${String(m).padStart(2, '0')}:${String(r).padStart(2, '0')}`;
}

export class ProgressReporter {
  private readonly out: NodeJS.WriteStream;
  private stepTimes: number[] = [];
  private barShown = false;
  private epochs = 0;

  constructor(private readonly o: ProgressOptions) {
    this.out = o.out ?? process.stdout;
  }

  /** Lines from the run's text log (shown only in plain mode; the TTY shows the bar instead). */
  logLine(line: string): void {
    if (!this.o.json && !this.o.tty) this.out.write(line + '\n');
  }

  handle(ev: AnyEvent): void {
    if (this.o.json) {
      this.out.write(JSON.stringify(ev) + '\n');
      return;
    }
    if (ev.type === 'start') {
      this.epochs = Number(ev['epochs'] ?? 0);
      if (this.o.tty) this.println(`run dir: ${ev['runDir']}${ev['resumed'] ? ` (resumed at epoch ${ev['epoch']}, step ${ev['step']})` : ''}`);
    } else if (ev.type === 'step' && this.o.tty) {
      this.stepTimes.push(Number(ev['seconds']));
      if (this.stepTimes.length > 50) this.stepTimes.shift();
      const avg = this.stepTimes.reduce((a, b) => a + b, 0) / this.stepTimes.length;
      const steps = Number(ev['stepsPerEpoch']),
        step = Number(ev['step']),
        epoch = Number(ev['epoch']);
      const remaining = steps - step + (this.epochs - epoch - 1) * steps;
      const width = 20,
        done = Math.round((width * step) / steps);
      const bar = '█'.repeat(done) + '░'.repeat(width - done);
      const line = `epoch ${epoch + 1}/${this.epochs} ${bar} ${step}/${steps}  loss ${Number(ev['loss']).toFixed(4)}  acc ${Number(ev['top1']).toFixed(1)}%  ${avg.toFixed(2)}s/step  ETA ${clock(remaining * avg)}`;
      this.out.write(`\r\x1b[2K${line}`);
      this.barShown = true;
    } else if (ev.type === 'epoch' && this.o.tty && ev['validAcc'] !== undefined) {
      const eig = ev['eigenvalue'] === null ? '' : `  λmax ${Number(ev['eigenvalue']).toExponential(3)}`;
      this.println(
        `epoch ${Number(ev['epoch']) + 1}/${ev['epochs']}: train acc ${Number(ev['trainAcc']).toFixed(2)}%  valid acc ${Number(ev['validAcc']).toFixed(2)}%  loss ${Number(ev['trainLoss']).toFixed(4)}${eig}  (${Number(ev['seconds']).toFixed(1)} s)`,
      );
      this.println(`  genotype: ${ev['genotype']}`);
    } else if (ev.type === 'epoch' && this.o.tty && ev['testAcc'] !== undefined) {
      this.println(
        `epoch ${Number(ev['epoch']) + 1}/${ev['epochs']}: train acc ${Number(ev['trainAcc']).toFixed(2)}%  test acc ${Number(ev['testAcc']).toFixed(2)}% (top-5 ${Number(ev['testTop5']).toFixed(2)}%)  (${Number(ev['seconds']).toFixed(1)} s)`,
      );
    } else if (ev.type === 'end') {
      if (typeof ev['genotype'] === 'string') this.println(`${ev['reason'] === 'completed' ? 'final genotype' : 'genotype so far'}: ${ev['genotype']}`);
      if (typeof ev['testAcc'] === 'number')
        this.println(`test accuracy: top-1 ${Number(ev['testAcc']).toFixed(2)}%, top-5 ${Number(ev['testTop5']).toFixed(2)}%`);
      this.println(`run directory: ${ev['runDir']}`);
    }
  }

  private println(s: string): void {
    if (this.barShown) {
      this.out.write('\n');
      this.barShown = false;
    }
    this.out.write(s + '\n');
  }
}
