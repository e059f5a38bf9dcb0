/**
 * The actions of `sdarts sweep run|status|resume|cell` and `sdarts summarize` (their options:
 * src/run/sweep-commands.ts). A local sweep runs in this process's foreground: SIGINT/SIGTERM send each
 * running cell one SIGTERM (it checkpoints) and exit 130/143; a SLURM sweep is submitted and returns.
 */
import { resolve } from 'node:path';
import type { Command } from 'commander';
import type { ConfigOf, CommandSpec } from '../run/commands.js';
import { validateConfig } from '../run/config.js';
import { SdartsError } from '../util/errors.js';
import { planSweep, type FrozenPlan } from '../sweep/plan.js';
import { planFromFlags, readPlanFile } from '../sweep/plan-source.js';
import { cellCommand, shellQuote } from '../sweep/cell-command.js';
import { findCell, readSweep, writeSweep, type BackendSettings, type Sweep } from '../sweep/sweep-dir.js';
import { runSweep, type SweepEvent } from '../sweep/local-backend.js';
import { sbatchScript, submitSlurm, type Submission } from '../sweep/slurm-backend.js';
import { sweepStatus } from '../sweep/status.js';
import { summarize } from '../sweep/summarize.js';
import { formatSummary } from '../sweep/summary-format.js';
import {
  SUMMARIZE_COMMAND,
  SWEEP_CELL_COMMAND,
  SWEEP_RESUME_COMMAND,
  SWEEP_RUN_COMMAND,
  SWEEP_STATUS_COMMAND,
  type SWEEP_COMMANDS,
} from '../run/sweep-commands.js';

const out = (s: string): boolean => process.stdout.write(s);

function optionsOf<S extends CommandSpec>(spec: S, cmd: Command): ConfigOf<S['options']> {
  return validateConfig<ConfigOf<S['options']>>(spec.options, cmd.opts());
}

function backendOf(o: ConfigOf<typeof SWEEP_RUN_COMMAND.options>): BackendSettings {
  if (o.backend === 'local') return { backend: 'local', workers: o.workers, gpus: o.gpus ? o.gpus.split(',').map((g) => g.trim()) : null };
  return {
    backend: 'slurm',
    partition: o.partition,
    time: o.time,
    gres: o.gres,
    account: o.account,
    cpusPerTask: o.cpusPerTask,
    mem: o.mem,
    maxParallel: o.maxParallel,
    signalBefore: o.signalBefore,
    sbatch: o.sbatch
      ? o.sbatch
          .split(';')
          .map((l) => l.trim())
          .filter(Boolean)
      : [],
  };
}

/** Run a local sweep in the foreground; exit 130/143 after an interrupt (its cells checkpoint). */
async function runLocal(dir: string, events: (signal: AbortSignal) => AsyncGenerator<SweepEvent>, json: boolean): Promise<number> {
  const controller = new AbortController();
  let signalName: NodeJS.Signals | null = null;
  const onSignal = (sig: NodeJS.Signals) => () => {
    if (signalName) process.exit(sig === 'SIGINT' ? 130 : 143);
    signalName = sig;
    process.stderr.write(`\nsdarts: ${sig} received — stopping the running cells (each writes a checkpoint); send again to stop at once\n`);
    controller.abort(sig);
  };
  const onInt = onSignal('SIGINT'),
    onTerm = onSignal('SIGTERM');
  process.on('SIGINT', onInt);
  process.on('SIGTERM', onTerm);
  try {
    let failed = 0;
    for await (const ev of events(controller.signal)) {
      if (json) out(JSON.stringify(ev) + '\n');
      else if (ev.type === 'sweep-start') out(`sweep ${ev.dir}: ${ev.todo} of ${ev.cells} cells to run, ${ev.workers} at a time\n`);
      else if (ev.type === 'cell-start') out(`start ${ev.cell}${ev.gpu !== null ? ` (GPU ${ev.gpu})` : ''}: sdarts ${ev.args.map(shellQuote).join(' ')}\n`);
      else if (ev.type === 'cell-end') out(`${ev.phase === 'done' ? 'done ' : 'ended'} ${ev.cell} (${ev.phase}, exit ${ev.exitCode ?? ev.signal})\n`);
      else if (ev.type === 'cell-skip') out(`skip  ${ev.cell}: ${ev.reason}\n`);
      else {
        failed = ev.counts.failed + ev.counts.interrupted + ev.counts.started;
        const c = ev.counts;
        out(`sweep ${ev.reason}: ${c.done} done, ${c.failed} failed, ${c.interrupted + c.started} interrupted, ${c['not-started']} not started\n`);
      }
    }
    if (signalName) {
      process.stderr.write(`sdarts: interrupted; continue with: sdarts sweep resume ${dir}\n`);
      return signalName === 'SIGINT' ? 130 : 143;
    }
    return failed ? 1 : 0;
  } finally {
    process.off('SIGINT', onInt);
    process.off('SIGTERM', onTerm);
  }
}

function printSubmissions(subs: Submission[], sweep: Sweep, json: boolean): void {
  if (json) return void out(JSON.stringify({ dir: sweep.dir, submissions: subs }) + '\n');
  if (!subs.length) return void out(`sweep ${sweep.dir}: nothing to submit (every cell is done, queued or running)\n`);
  for (const s of subs) out(`submitted stage ${s.stage}: job array ${s.jobId} (${s.indices.length} cells)${s.dependency ? `, after ${s.dependency}` : ''}\n`);
  out(`follow with: sdarts sweep status ${sweep.dir}\n`);
}

function dryRun(plan: FrozenPlan, dir: string, backend: BackendSettings, json: boolean): void {
  const sweep: Sweep = { format: 1, dir: resolve(dir), created: new Date().toISOString(), backend, ...plan };
  if (json) return void out(JSON.stringify(sweep, null, 1) + '\n');
  for (const c of plan.cells) {
    const cmd = c.after ? null : cellCommand(sweep, c);
    out(`${c.id}: ${cmd ? `sdarts ${cmd.args.map(shellQuote).join(' ')}` : c.after ? `after ${c.after}` : 'done'}\n`);
  }
  if (backend.backend === 'slurm') for (const s of plan.stages) out(`\n# ${s.name}.sbatch\n${sbatchScript(sweep, s.name, backend)}`);
  out(`${plan.cells.length} cells; nothing was run or submitted (--dry-run)\n`);
}

type SweepCommandName = (typeof SWEEP_COMMANDS)[number]['name'];

export const SWEEP_ACTIONS: Record<SweepCommandName, (cmd: Command) => void | Promise<void>> = {
  'sweep run': async (cmd) => {
    const o = optionsOf(SWEEP_RUN_COMMAND, cmd);
    if (!o.plan === !o.command)
      throw new SdartsError('ERR_SDARTS_SWEEP_OPTIONS', 'give the plan as --plan FILE, or as --command JOB with --grid and --set (not both, not neither)');
    if ((o.grid || o.set) && !o.command)
      throw new SdartsError('ERR_SDARTS_SWEEP_OPTIONS', '--grid and --set go with --command (a plan file holds its own grid)');
    const raw = o.plan ? readPlanFile(o.plan) : planFromFlags(o.command!, o.grid, o.set);
    const plan = planSweep(raw, o.name ? { name: o.name } : {});
    const backend = backendOf(o);
    if (o.dryRun) return dryRun(plan, o.dir, backend, o.json);
    const sweep = writeSweep(o.dir, plan, backend);
    if (sweep.backend.backend === 'slurm') return printSubmissions(submitSlurm(sweep), sweep, o.json);
    process.exitCode = await runLocal(sweep.dir, (signal) => runSweep(sweep, { signal }), o.json);
  },
  'sweep status': (cmd) => {
    const o = optionsOf(SWEEP_STATUS_COMMAND, cmd);
    const st = sweepStatus(cmd.processedArgs[0] as string);
    if (st.warning) process.stderr.write(`sdarts: ${st.warning}\n`);
    if (o.json) return void out(JSON.stringify(st) + '\n');
    const w = Math.max(...st.cells.map((c) => c.id.length));
    for (const c of st.cells) out(`${c.state.padEnd(11)} ${c.id.padEnd(w)}  ${c.detail}\n`);
    out(
      `${Object.entries(st.counts)
        .map(([k, n]) => `${n} ${k}`)
        .join(', ')}\n`,
    );
  },
  'sweep resume': async (cmd) => {
    const o = optionsOf(SWEEP_RESUME_COMMAND, cmd);
    const sweep = readSweep(cmd.processedArgs[0] as string);
    if (sweep.backend.backend === 'slurm') return printSubmissions(submitSlurm(sweep), sweep, o.json);
    process.exitCode = await runLocal(sweep.dir, (signal) => runSweep(sweep, { signal, ...(o.workers ? { workers: o.workers } : {}) }), o.json);
  },
  'sweep cell': (cmd) => {
    const o = optionsOf(SWEEP_CELL_COMMAND, cmd);
    const sweep = readSweep(cmd.processedArgs[0] as string);
    const c = cellCommand(sweep, findCell(sweep, cmd.processedArgs[1] as string), o.threads ? { threads: o.threads } : {});
    if (o.shell) return void (c ? out(c.args.map(shellQuote).join(' ') + '\n') : undefined);
    out(c ? `sdarts ${c.args.map(shellQuote).join(' ')}\n` : 'done: nothing to run\n');
  },
  summarize: (cmd) => {
    const o = optionsOf(SUMMARIZE_COMMAND, cmd);
    const by = o.by
      .split(',')
      .map((k) => k.trim())
      .filter(Boolean);
    out(formatSummary(summarize(cmd.processedArgs[0] as string[], { by }), o.format));
  },
};
