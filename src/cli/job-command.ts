/**
 * Running a job (search, train, nasbench search) from the CLI: progress output, and SIGINT/SIGTERM
 * finish the step, checkpoint and exit 130/143 with a one-line hint how to resume.
 */
import type { JobRunOptions } from '../run/config.js';
import { ProgressReporter } from './progress.js';

type JobEvent = { type: string; runDir?: string; reason?: string };
/** A job's events; a failure is yielded as an `error` event (printed with --json) before it is thrown. */
export type Job<C> = (raw: C, opts: JobRunOptions) => AsyncGenerator<JobEvent>;

export async function runJobCommand<C extends { json?: boolean }>(command: string, job: Job<C>, raw: C): Promise<number> {
  const controller = new AbortController();
  let signalName: 'SIGINT' | 'SIGTERM' | null = null;
  const onSignal = (sig: 'SIGINT' | 'SIGTERM') => () => {
    if (signalName) process.exit(sig === 'SIGINT' ? 130 : 143); // a second signal stops at once
    signalName = sig;
    process.stderr.write(`\nsdarts: ${sig} received — finishing the current step and writing a checkpoint (send again to stop at once)\n`);
    controller.abort(sig);
  };
  const onInt = onSignal('SIGINT'),
    onTerm = onSignal('SIGTERM');
  process.on('SIGINT', onInt);
  process.on('SIGTERM', onTerm);
  const progress = new ProgressReporter({ json: !!raw.json, tty: !raw.json && !!process.stdout.isTTY, metric: command.startsWith('rnn ') ? 'ppl' : 'acc' });
  let runDir = '';
  progress.begin();
  try {
    for await (const ev of job(raw, { signal: controller.signal, echo: (l) => progress.logLine(l) })) {
      progress.handle(ev);
      if (ev.type === 'start' && ev.runDir) runDir = ev.runDir;
      if (ev.type === 'end' && ev.reason === 'interrupted') {
        process.stderr.write(`sdarts: interrupted; resume with: sdarts ${command} --resume ${runDir}\n`);
        return signalName === 'SIGTERM' ? 143 : 130;
      }
    }
    return 0;
  } finally {
    progress.close();
    process.off('SIGINT', onInt);
    process.off('SIGTERM', onTerm);
  }
}
