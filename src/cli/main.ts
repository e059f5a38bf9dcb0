#!/usr/bin/env node
/**
 * The sdarts CLI: a thin shell over the library. Commands only throw; one handler maps errors to
 * messages and exit codes (2 = bad input/config, 1 = other failure, 130/143 = interrupted).
 */
import { Command } from 'commander';
import { addOptions, explicitOptions } from './options.js';
import { runJobCommand, type Job } from './job-command.js';
import { dataDownloadCommand } from './data-command.js';
import { nasbenchQueryCommand } from './nasbench-command.js';
import { SEARCH_CONFIG_OPTIONS, runSearch } from '../run/search-job.js';
import { TRAIN_CONFIG_OPTIONS, runTrain, testCheckpoint } from '../run/train-job.js';
import { NASBENCH_SEARCH_CONFIG_OPTIONS, runNasbenchSearch, scoreLine, scoreRun } from '../run/nasbench-search-job.js';
import { reportError } from './errors.js';

/** With --resume only the run directory (and --json) count: the run's saved config is reused. */
function resumeOr(explicit: Record<string, unknown>, cmd: Command): Record<string, unknown> {
  return explicit['resume'] ? { resume: explicit['resume'], json: explicit['json'] } : cmd.opts();
}

const program = new Command();
program.name('sdarts').description('SmoothDARTS (SDARTS-RS / SDARTS-ADV) differentiable architecture search over LibTorch').showHelpAfterError();

addOptions(program.command('search').description('CNN cell search (DARTS 1st/2nd order, SDARTS-RS, SDARTS-ADV) on S1-S5'), SEARCH_CONFIG_OPTIONS).action(
  async (_opts, cmd: Command) => {
    const explicit = explicitOptions(cmd);
    process.exitCode = await runJobCommand('search', runSearch as unknown as Job<object>, resumeOr(explicit, cmd));
  },
);

addOptions(
  program.command('train').description('train a cell from scratch (NetworkCIFAR, auxiliary head, drop-path, cutout) and report test accuracy'),
  TRAIN_CONFIG_OPTIONS,
).action(async (_opts, cmd: Command) => {
  process.exitCode = await runJobCommand('train', runTrain as unknown as Job<object>, resumeOr(explicitOptions(cmd), cmd));
});

program
  .command('test')
  .description('evaluate a trained model (a `sdarts train` run directory) on the test split')
  .requiredOption('--checkpoint <run-dir>', 'the run directory of `sdarts train`')
  .option('--data <path>', 'dataset root (default: the one the run used)')
  .option('--device <device>', "device ('cpu', 'cuda', 'cuda:N'; default: the run's)")
  .option('--json', 'machine-readable output', false)
  .action((o: { checkpoint: string; data?: string; device?: string; json: boolean }) => {
    const r = testCheckpoint(o.checkpoint, { ...(o.data ? { data: o.data } : {}), ...(o.device ? { device: o.device as 'cpu' } : {}) });
    process.stdout.write(
      o.json
        ? JSON.stringify(r) + '\n'
        : `test top-1 ${r.top1.toFixed(2)}%  top-5 ${r.top5.toFixed(2)}%  loss ${r.loss.toFixed(4)}  (${r.n} images, model after epoch ${r.epoch})\n`,
    );
  });

const data = program.command('data').description('datasets');
data
  .command('download <name>')
  .description("download, verify (MD5) and unpack a dataset in torchvision's layout: cifar10|cifar100|svhn|fashion-mnist|mnist|ptb")
  .option('--dir <path>', 'destination folder', 'data')
  .option('--base-url <url>', 'fetch from this mirror instead of the canonical URLs')
  .action(async (name: string, o: { dir: string; baseUrl?: string }) => {
    await dataDownloadCommand(name, o);
  });

const nb = program.command('nasbench').description('NAS-Bench-101 / NAS-Bench-1Shot1');
nb.command('query')
  .description('print the metrics of one architecture')
  .requiredOption('--nasbench <file>', 'nasbench_only108.tfrecord (or nasbench_full.tfrecord)')
  .option('--hash <hash>', 'module hash (32 hex digits)')
  .option('--spec <json>', 'a spec as JSON: {"matrix": [[…]], "ops": ["input", …, "output"]}')
  .option('--cache-dir <path>', 'where to keep the index cache (default: beside the file)')
  .option('--json', 'machine-readable output', false)
  .action((o: { nasbench: string; hash?: string; spec?: string; cacheDir?: string; json: boolean }) => {
    nasbenchQueryCommand(o);
  });

addOptions(
  nb.command('search').description('NAS-Bench-1Shot1 one-shot search (spaces 1-3) with DARTS / SDARTS-RS / SDARTS-ADV, scored every epoch'),
  NASBENCH_SEARCH_CONFIG_OPTIONS,
).action(async (_opts, cmd: Command) => {
  process.exitCode = await runJobCommand('nasbench search', runNasbenchSearch as unknown as Job<object>, resumeOr(explicitOptions(cmd), cmd));
});

nb.command('score <run-dir>')
  .description('re-score every saved epoch of a `nasbench search` run against NAS-Bench-101')
  .requiredOption('--nasbench <file>', 'nasbench_only108.tfrecord (or nasbench_full.tfrecord)')
  .option('--cache-dir <path>', 'where to keep the index cache (default: beside the file)')
  .option('--json', 'machine-readable output', false)
  .action((dir: string, o: { nasbench: string; cacheDir?: string; json: boolean }) => {
    const r = scoreRun(dir, o.nasbench, o.cacheDir);
    if (o.json) process.stdout.write(JSON.stringify(r) + '\n');
    else for (const e of r.epochs) process.stdout.write(`epoch ${e.epoch}: ${scoreLine(e.score)}\n`);
  });

program.parseAsync(process.argv).catch((err: unknown) => {
  process.exitCode = reportError(err);
});
