#!/usr/bin/env node
/**
 * The sdarts CLI: a thin shell over the library. The commands, their options and descriptions come from
 * the command table (src/run/commands.ts); here each gets its action. Commands only throw; one handler
 * maps errors to messages and exit codes by the class of their code (src/util/error-codes.ts): 2 = a usage
 * or data error, 1 = an internal one (a bug), 130/143 = interrupted.
 */
import { Command, CommanderError } from 'commander';
import { COMMAND_GROUPS, COMMANDS, type CommandConfig, type CommandName, type CommandSpec } from '../run/commands.js';
import { validateConfig } from '../run/config.js';
import { runSearch } from '../run/search-job.js';
import { runTrain, testCheckpoint } from '../run/train-job.js';
import { runNasbenchSearch, scoreLine, scoreRun } from '../run/nasbench-search-job.js';
import { runRnnSearch } from '../run/rnn-search-job.js';
import { runRnnTrain } from '../run/rnn-train-job.js';
import { testRnnCheckpoint } from '../run/rnn-eval.js';
import { addCommand, commandOfArgs, explicitOptions, portArgs, usageLine } from './command-table.js';
import { runJobCommand, type Job } from './job-command.js';
import { dataDownloadCommand } from './data-command.js';
import { nasbenchQueryCommand } from './nasbench-command.js';
import { reportError } from './errors.js';
import { SWEEP_ACTIONS } from './sweep-command.js';
import { REPORT_ACTIONS } from './report-command.js';

/**
 * With --resume only the flags given on the command line are passed on: the job reuses the run's saved
 * config and refuses those that differ from it (src/run/config.ts resolveJobConfig).
 */
function resumeOr(explicit: Record<string, unknown>, cmd: Command): Record<string, unknown> {
  return explicit['resume'] ? explicit : cmd.opts();
}

/** A job: its config is validated (and a run directory made) by the job itself. */
const job =
  (name: string, run: Job<object>) =>
  async (cmd: Command): Promise<void> => {
    process.exitCode = await runJobCommand(name, run, resumeOr(explicitOptions(cmd), cmd));
  };

/** The options of a command, validated against its table. */
function configOf<N extends CommandName>(spec: CommandSpec & { name: N }, cmd: Command): CommandConfig<N> {
  return validateConfig<CommandConfig<N>>(spec.options, cmd.opts());
}

const ACTIONS: { [N in CommandName]: (cmd: Command, spec: CommandSpec & { name: N }) => void | Promise<void> } = {
  search: job('search', runSearch as unknown as Job<object>),
  train: job('train', runTrain as unknown as Job<object>),
  'nasbench search': job('nasbench search', runNasbenchSearch as unknown as Job<object>),
  'rnn search': job('rnn search', runRnnSearch as unknown as Job<object>),
  'sweep run': (cmd) => SWEEP_ACTIONS['sweep run'](cmd),
  'sweep status': (cmd) => SWEEP_ACTIONS['sweep status'](cmd),
  'sweep resume': (cmd) => SWEEP_ACTIONS['sweep resume'](cmd),
  'sweep cell': (cmd) => SWEEP_ACTIONS['sweep cell'](cmd),
  summarize: (cmd) => SWEEP_ACTIONS.summarize(cmd),
  test: (cmd, spec) => {
    const o = configOf(spec, cmd);
    const r = testCheckpoint(o.checkpoint, { ...(o.data ? { data: o.data } : {}), ...(o.device ? { device: o.device } : {}) });
    process.stdout.write(
      o.json
        ? JSON.stringify(r) + '\n'
        : `test top-1 ${r.top1.toFixed(2)}%  top-5 ${r.top5.toFixed(2)}%  loss ${r.loss.toFixed(4)}  (${r.n} images, model after epoch ${r.epoch})\n`,
    );
  },
  'data download': async (cmd, spec) => {
    const o = configOf(spec, cmd);
    await dataDownloadCommand(cmd.processedArgs[0] as string, { dir: o.dir, ...(o.baseUrl !== null ? { baseUrl: o.baseUrl } : {}) });
  },
  'nasbench query': (cmd, spec) => nasbenchQueryCommand(configOf(spec, cmd)),
  'rnn train': job('rnn train', runRnnTrain as unknown as Job<object>),
  'rnn test': (cmd, spec) => {
    const o = configOf(spec, cmd);
    const r = testRnnCheckpoint(o.checkpoint, { ...(o.data ? { data: o.data } : {}), ...(o.device ? { device: o.device } : {}), batchSize: o.batchSize });
    process.stdout.write(
      o.json
        ? JSON.stringify(r) + '\n'
        : `test loss ${r.loss.toFixed(4)}  ppl ${r.ppl.toFixed(2)}  (${r.targets} tokens at batch size ${r.batchSize}; best model of epoch ${r.epoch}, valid ppl ${r.validPpl.toFixed(2)})\n`,
    );
  },
  'nasbench score': (cmd, spec) => {
    const o = configOf(spec, cmd);
    const r = scoreRun(cmd.processedArgs[0] as string, o.nasbench, o.cacheDir ?? undefined);
    if (o.json) process.stdout.write(JSON.stringify(r) + '\n');
    else for (const e of r.epochs) process.stdout.write(`epoch ${e.epoch}: ${scoreLine(e.score)}\n`);
  },
  ...REPORT_ACTIONS,
};

const program = new Command();
program
  .name('sdarts')
  .description('SmoothDARTS (SDARTS-RS / SDARTS-ADV) differentiable architecture search over LibTorch')
  // Usage errors are thrown and printed as one line with a hint (below), not with the whole help.
  .exitOverride()
  .configureOutput({ outputError: () => {} });
for (const spec of COMMANDS) {
  const action = ACTIONS[spec.name] as (cmd: Command, spec: CommandSpec) => void | Promise<void>;
  const cmd = addCommand(program, spec);
  cmd.action(async () => {
    await action(cmd, spec);
  });
}

/** commander's usage errors: exit 2 with one line (help and --version exit as commander says). */
function commanderExit(err: CommanderError, args: readonly string[]): number {
  if (err.code === 'commander.helpDisplayed' || err.code === 'commander.help' || err.code === 'commander.version') return err.exitCode;
  // The command, or the group of an unknown subcommand (`sdarts rnn serch` → see `sdarts rnn --help`).
  const group = args[0] !== undefined && COMMAND_GROUPS[args[0]] !== undefined ? args[0] : null;
  process.stderr.write(`sdarts: ${usageLine(commandOfArgs(args)?.name ?? group, err.message)}\n`);
  return 2;
}

async function main(): Promise<void> {
  // The reference's flag spellings become sdarts' (docs/porting.md).
  const args = portArgs(process.argv.slice(2), (line) => process.stderr.write(line + '\n'));
  try {
    await program.parseAsync([...process.argv.slice(0, 2), ...args]);
  } catch (err) {
    if (err instanceof CommanderError) process.exitCode = commanderExit(err, args);
    else throw err;
  }
}

main().catch((err: unknown) => {
  process.exitCode = reportError(err);
});
