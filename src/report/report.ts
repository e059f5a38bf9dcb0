/** `sdarts report` / `sdarts compare` as library calls: read run directories, write one HTML file. */
import { join, resolve } from 'node:path';
import { writeFileAtomic } from '../util/atomic-write.js';
import { SdartsError } from '../util/errors.js';
import { readRun } from './run-data.js';
import { buildCompare, buildReport } from './report-html.js';

/** Write the report of `runDir` to `output` (default `<runDir>/report.html`); returns the path. */
export function writeReport(runDir: string, output?: string | null): string {
  const html = buildReport(readRun(runDir));
  const path = resolve(output ?? join(runDir, 'report.html'));
  writeFileAtomic(path, html);
  return path;
}

/** Write the overlay of `runDirs` to `output` (default `compare.html`); returns the path. */
export function writeCompare(runDirs: readonly string[], output?: string | null): string {
  if (runDirs.length < 2)
    throw new SdartsError(
      'ERR_SDARTS_REPORT_COMPARE_RUNS',
      `compare needs at least two run directories but received ${runDirs.length}; pass them all: sdarts compare RUN_A RUN_B …`,
    );
  const html = buildCompare(runDirs.map(readRun));
  const path = resolve(output ?? 'compare.html');
  writeFileAtomic(path, html);
  return path;
}
