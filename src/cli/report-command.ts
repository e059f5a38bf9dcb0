/** The actions of `sdarts genotype draw`, `report`, `compare` and `doctor` (their table rows: src/run/report-commands.ts). */
import type { Command } from 'commander';
import { extname, resolve } from 'node:path';
import { cellsToDot, cellsToSvg, genotypeGraphs, nasbenchGraph, rnnCellGraph, type CellGraph } from '../space/draw/index.js';
import { resolveArchitecture } from '../report/architecture-arg.js';
import type { Architecture } from '../report/run-data.js';
import { svgToPng } from '../report/png.js';
import { writeCompare, writeReport } from '../report/report.js';
import { validateConfig } from '../run/config.js';
import type { CommandSpec } from '../run/commands.js';
import { writeFileAtomic } from '../util/atomic-write.js';
import { SdartsError } from '../util/errors.js';
import { formatDoctor, runDoctor } from './doctor.js';

function graphsOf(a: Architecture): CellGraph[] {
  if (a.kind === 'cnn') return genotypeGraphs(a.genotype);
  if (a.kind === 'rnn') return [rnnCellGraph(a.genotype)];
  return [nasbenchGraph(a.spec)];
}

type Format = 'svg' | 'png' | 'dot';

/** --format, else the output's extension, else svg. */
export function drawFormat(format: string | null, output: string | null): Format {
  if (format) return format as Format;
  const ext = output ? extname(output).slice(1).toLowerCase() : '';
  return ext === 'png' || ext === 'dot' || ext === 'gv' ? (ext === 'gv' ? 'dot' : ext) : 'svg';
}

export async function genotypeDrawCommand(arch: string, o: { output: string | null; format: string | null; rnn: boolean; scale: number }): Promise<void> {
  const graphs = graphsOf(resolveArchitecture(arch, { rnn: o.rnn }));
  const format = drawFormat(o.format, o.output);
  if (format === 'png' && !o.output)
    throw new SdartsError('ERR_SDARTS_REPORT_OUTPUT', 'PNG output is binary: pass --output cell.png (or use --format svg to print SVG).');
  const body = format === 'dot' ? cellsToDot(graphs) : format === 'svg' ? cellsToSvg(graphs) : await svgToPng(cellsToSvg(graphs), o.scale);
  if (!o.output) {
    process.stdout.write(body);
    return;
  }
  writeFileAtomic(resolve(o.output), body);
  process.stdout.write(`wrote ${resolve(o.output)}\n`);
}

type Opts = Record<string, unknown>;
const out = (o: Opts): string | null => (typeof o['output'] === 'string' ? o['output'] : null);

/** The actions, by command name. */
export const REPORT_ACTIONS = {
  'genotype draw': async (cmd: Command, spec: CommandSpec): Promise<void> => {
    const o = validateConfig<{ output: string | null; format: string | null; rnn: boolean; scale: number }>(spec.options, cmd.opts());
    await genotypeDrawCommand(cmd.processedArgs[0] as string, o);
  },
  report: (cmd: Command): void => {
    process.stdout.write(`wrote ${writeReport(cmd.processedArgs[0] as string, out(cmd.opts()))}\n`);
  },
  compare: (cmd: Command): void => {
    process.stdout.write(`wrote ${writeCompare(cmd.processedArgs[0] as string[], out(cmd.opts()))}\n`);
  },
  doctor: async (cmd: Command): Promise<void> => {
    const r = await runDoctor();
    process.stdout.write(cmd.opts()['json'] ? JSON.stringify(r, null, 2) + '\n' : formatDoctor(r));
    if (!r.ok) process.exitCode = 1;
  },
} as const;
