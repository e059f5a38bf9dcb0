/** `sdarts data download <name> [--dir] [--base-url]`. */
import { downloadDataset, DOWNLOADABLE } from '../data/download.js';
import type { DownloadableName } from '../data/dataset-sources.js';
import { SdartsError } from '../util/errors.js';

export async function dataDownloadCommand(name: string, o: { dir: string; baseUrl?: string }): Promise<void> {
  if (!(DOWNLOADABLE as string[]).includes(name)) {
    throw new SdartsError('ERR_SDARTS_CONFIG', `unknown dataset '${name}': choose one of ${DOWNLOADABLE.join(', ')}`);
  }
  let last = '';
  const r = await downloadDataset(name as DownloadableName, o.dir, {
    baseUrl: o.baseUrl,
    onProgress: (p: unknown) => {
      const q = p as { file?: string; received?: number; total?: number };
      const line = `${q.file ?? ''} ${q.total ? `${Math.floor((100 * (q.received ?? 0)) / q.total)}%` : ''}`;
      if (line !== last && process.stderr.isTTY) process.stderr.write(`\r\x1b[2K${line}`);
      last = line;
    },
  });
  if (process.stderr.isTTY) process.stderr.write('\n');
  for (const f of r.files) process.stdout.write(`${f.fetched ? 'downloaded' : 'already present'}: ${f.path}\n`);
  process.stdout.write(`${name} ready in ${r.dir}\n`);
}
