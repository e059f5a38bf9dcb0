/** `sdarts search`: runs runSearch with progress output; SIGINT/SIGTERM checkpoint and exit 130/143. */
import { runSearch, type SearchConfig } from '../run/search-job.js';
import { ProgressReporter } from '../run/progress.js';

export async function runSearchCommand(raw: Partial<SearchConfig>): Promise<number> {
  const controller = new AbortController();
  let signalName: 'SIGINT' | 'SIGTERM' | null = null;
  const onSignal = (sig: 'SIGINT' | 'SIGTERM') => () => {
    if (signalName) process.exit(sig === 'SIGINT' ? 130 : 143); // second signal: stop now
    signalName = sig;
    process.stderr.write(`\nsdarts: ${sig} received — finishing the current step and writing a checkpoint (send again to stop at once)\n`);
    controller.abort(sig);
  };
  const onInt = onSignal('SIGINT'), onTerm = onSignal('SIGTERM');
  process.on('SIGINT', onInt);
  process.on('SIGTERM', onTerm);
  const progress = new ProgressReporter({ json: !!raw.json, tty: !raw.json && !!process.stdout.isTTY });
  let runDir = '';
  try {
    for await (const ev of runSearch(raw, { signal: controller.signal, echo: (l) => progress.logLine(l) })) {
      progress.handle(ev as unknown as { type: string });
      if (ev.type === 'start') runDir = ev.runDir;
      if (ev.type === 'end' && ev.reason === 'interrupted') {
        process.stderr.write(`sdarts: interrupted; resume with: sdarts search --resume ${runDir}\n`);
        return signalName === 'SIGTERM' ? 143 : 130;
      }
    }
    return 0;
  } finally {
    process.off('SIGINT', onInt);
    process.off('SIGTERM', onTerm);
  }
}
