#!/usr/bin/env node
/**
 * The sdarts CLI: a thin shell over the library. Commands only throw; one handler maps errors to
 * messages and exit codes (2 = bad input/config, 1 = other failure, 130/143 = interrupted).
 */
import { Command } from 'commander';
import { addOptions, explicitOptions } from './options.js';
import { runSearchCommand } from './search-command.js';
import { dataDownloadCommand } from './data-command.js';
import { nasbenchQueryCommand } from './nasbench-command.js';
import { SEARCH_CONFIG_OPTIONS } from '../run/search-job.js';
import { reportError } from './errors.js';

const program = new Command();
program.name('sdarts').description('SmoothDARTS (SDARTS-RS / SDARTS-ADV) differentiable architecture search over LibTorch').showHelpAfterError();

addOptions(program.command('search').description('CNN cell search (DARTS 1st/2nd order, SDARTS-RS, SDARTS-ADV) on S1-S5'), SEARCH_CONFIG_OPTIONS)
  .action(async (_opts, cmd: Command) => {
    const explicit = explicitOptions(cmd);
    process.exitCode = await runSearchCommand(explicit['resume'] ? { resume: explicit['resume'] as string, json: explicit['json'] as boolean | undefined } : cmd.opts());
  });

const data = program.command('data').description('datasets');
data.command('download <name>').description('download, verify (MD5) and unpack a dataset in torchvision\'s layout: cifar10|cifar100|svhn|fashion-mnist|mnist|ptb')
  .option('--dir <path>', 'destination folder', 'data')
  .option('--base-url <url>', 'fetch from this mirror instead of the canonical URLs')
  .action(async (name: string, o: { dir: string; baseUrl?: string }) => { await dataDownloadCommand(name, o); });

const nb = program.command('nasbench').description('NAS-Bench-101 / NAS-Bench-1Shot1');
nb.command('query').description('print the metrics of one architecture')
  .requiredOption('--nasbench <file>', 'nasbench_only108.tfrecord (or nasbench_full.tfrecord)')
  .option('--hash <hash>', 'module hash (32 hex digits)')
  .option('--spec <json>', 'a spec as JSON: {"matrix": [[…]], "ops": ["input", …, "output"]}')
  .option('--cache-dir <path>', 'where to keep the index cache (default: beside the file)')
  .option('--json', 'machine-readable output', false)
  .action((o: { nasbench: string; hash?: string; spec?: string; cacheDir?: string; json: boolean }) => { nasbenchQueryCommand(o); });

program.parseAsync(process.argv).catch((err: unknown) => {
  process.exitCode = reportError(err);
});
