/**
 * Porting from the reference (issue 14): its flag spellings are aliases of sdarts' flags (one rule for the
 * snake_case ones, one table for the renamed), giving the same validated config; docs/porting.md is what the
 * tables generate; usage errors exit 2 with one line and a hint; --device and --save onto a file say what to do.
 */
import { spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Command } from 'commander';
import { describe, expect, it } from 'vitest';
import { addCommand, portArgs, snakeAlias } from '../../src/cli/command-table.js';
import { COMMANDS } from '../../src/run/commands.js';
import { validateConfig } from '../../src/run/config.js';

const ROOT = join(__dirname, '..', '..');
const CLI = join(ROOT, 'dist', 'cli', 'main.js');
const tmp = mkdtempSync(join(tmpdir(), 'sdarts-porting-'));

function cli(args: string[]): { status: number | null; stdout: string; stderr: string } {
  const r = spawnSync(process.execPath, [CLI, ...args], { encoding: 'utf8', cwd: tmp, timeout: 120_000 });
  return { status: r.status, stdout: r.stdout, stderr: r.stderr };
}

/** The validated config `args` (after `sdarts`) give, parsed by the CLI's own commander table and its porting step. */
function configOf(args: string[]): Record<string, unknown> {
  const program = new Command().exitOverride();
  let parsed: Record<string, unknown> | null = null;
  const ported = portArgs(args);
  for (const s of COMMANDS) {
    const cmd = addCommand(program, s);
    cmd.action(() => {
      parsed = validateConfig(s.options, cmd.opts());
    });
  }
  program.parse(ported, { from: 'user' });
  return parsed!;
}

describe('reference flag spellings', () => {
  it('every multi-word flag of every command has its snake_case spelling (one rule)', () => {
    for (const c of COMMANDS)
      for (const o of c.options) {
        const snake = snakeAlias(o.flag);
        if (snake === null) continue;
        const words = c.name.split(' ');
        if (o.kind === 'bool') {
          const [from, to] = o.default === true ? [`--no_${snake}`, `--no-${o.flag}`] : [`--${snake}`, `--${o.flag}`];
          expect(portArgs([...words, from]), `${c.name} ${from}`).toEqual([...words, to]);
        } else {
          expect(portArgs([...words, `--${snake}`, 'v']), `${c.name} --${snake}`).toEqual([...words, `--${o.flag}`, 'v']);
          expect(portArgs([...words, `--${snake}=v`])).toEqual([...words, `--${o.flag}=v`]);
        }
      }
  });

  it('sdarts search: the reference train_search.py command line gives the same config as the sdarts flags', () => {
    const ref = configOf(
      ['search', '--learning_rate', '0.1', '--perturb_alpha', 'pgd_linf', '--epsilon_alpha', '0.2', '--arch_learning_rate', '1e-3'].concat(
        ['--arch_weight_decay', '1e-2', '--weight_decay', '1e-4', '--batch_size', '32', '--init_channels', '8', '--report_freq', '10'],
        ['--grad_clip', '3', '--train_portion', '0.6', '--cutout_length', '8', '--gpu', '1', '--search_space', 's3', '--save', 'runs/x'],
      ),
    );
    const own = configOf(
      ['search', '--learning-rate', '0.1', '--perturb', 'pgd_linf', '--epsilon-alpha', '0.2', '--arch-learning-rate', '1e-3'].concat(
        ['--arch-weight-decay', '1e-2', '--weight-decay', '1e-4', '--batch-size', '32', '--init-channels', '8', '--report-freq', '10'],
        ['--grad-clip', '3', '--train-portion', '0.6', '--cutout-length', '8', '--device', 'cuda:1', '--space', 's3', '--save', 'runs/x'],
      ),
    );
    expect(ref).toEqual(own);
    // And they differ from the defaults (the flags were not dropped).
    expect(own).toMatchObject({ learningRate: 0.1, perturb: 'pgd_linf', device: 'cuda:1', space: 's3', batchSize: 32, save: 'runs/x' });
  });

  it('sdarts train, rnn search, rnn train: the renamed and snake_case flags', () => {
    expect(configOf(['train', '--drop_path_prob', '0.3', '--auxiliary_weight', '0.5', '--auxiliary', '--gpu', '0'])).toEqual(
      configOf(['train', '--drop-path-prob', '0.3', '--auxiliary-weight', '0.5', '--auxiliary', '--device', 'cuda:0']),
    );
    expect(configOf(['rnn', 'search', '--arch_lr', '1e-2', '--arch_wdecay', '1e-4', '--small_batch_size', '256', '--log-interval', '20'])).toEqual(
      configOf(['rnn', 'search', '--arch-lr', '1e-2', '--arch-wdecay', '1e-4', '--report-freq', '20']),
    );
    expect(configOf(['rnn', 'train', '--max_seq_len_delta', '10', '--batch_size', '32', '--small_batch_size', '32', '--eval_batch_size', '5'])).toEqual(
      configOf(['rnn', 'train', '--max-seq-len-delta', '10', '--batch-size', '32', '--eval-batch-size', '5']),
    );
    // The reference's -1 means "the batch size".
    expect(configOf(['rnn', 'train', '--small_batch_size', '-1'])).toEqual(configOf(['rnn', 'train']));
  });

  it('--small_batch_size other than the batch size and --gpu without an index are refused with the reason', () => {
    expect(() => portArgs(['rnn', 'train', '--batch_size', '64', '--small_batch_size', '32'])).toThrow(
      /^rnn train: --small_batch_size 32 differs from the batch size 64: splitting a batch into smaller forward passes is not supported/,
    );
    expect(() => portArgs(['search', '--gpu', 'all'])).toThrow(/^search: --gpu takes a GPU index \(a whole number\), got 'all'/);
  });

  it('docs/porting.md is what the tables generate', async () => {
    const { renderPortingDocs } = await import('../../scripts/gen-cli-docs.mjs');
    expect(readFileSync(join(ROOT, 'docs', 'porting.md'), 'utf8')).toBe(renderPortingDocs());
  });
});

describe('usage errors: exit 2, one line, a hint', () => {
  const cases: [string[], RegExp][] = [
    [
      ['search', '--lerning-rate', '0.1'],
      /^sdarts: search: unknown option '--lerning-rate' \(did you mean --learning-rate\?\)\. See `sdarts search --help`; the reference’s flag spellings: docs\/porting\.md\.$/,
    ],
    [
      ['search', '--space', 's9'],
      /^sdarts: search: option '--space <s1\|s2\|s3\|s4\|s5>' argument 's9' is invalid\. Allowed choices are s1, s2, s3, s4, s5\. See `sdarts search --help`\.$/,
    ],
    [['search', '--epochs'], /^sdarts: search: option '--epochs <n>' argument missing\. See `sdarts search --help`\.$/],
    [['nasbench', 'query'], /^sdarts: nasbench query: required option '--nasbench <file>' not specified\. See `sdarts nasbench query --help`\.$/],
    [['serch'], /^sdarts: unknown command 'serch' \(did you mean search\?\)\. See `sdarts --help`\.$/],
    [['rnn', 'serch'], /^sdarts: rnn: unknown command 'serch' \(did you mean search\?\)\. See `sdarts rnn --help`\.$/],
  ];
  for (const [args, expected] of cases)
    it(`sdarts ${args.join(' ')}`, () => {
      const r = cli(args);
      expect(r.status).toBe(2);
      expect(r.stderr.trimEnd().split('\n')).toHaveLength(1);
      expect(r.stderr.trimEnd()).toMatch(expected);
    });

  it('--help still prints the help and exits 0, listing the short -o and the porting note', () => {
    const r = cli(['report', '--help']);
    expect(r.status).toBe(0);
    expect(r.stdout).toContain('-o, --output <file>');
    expect(cli(['search', '--help']).stdout).toContain(
      "The reference's flag spellings (sota/cnn/train_search.py: --learning_rate, --gpu N, …) are accepted too: docs/porting.md.",
    );
  });
});

describe('messages that say what to do', () => {
  it('--device tpu names the device and the accepted forms', () => {
    for (const args of [
      ['search', '--dataset', 'fashion-mnist', '--device', 'tpu'],
      ['test', '--checkpoint', tmp, '--device', 'tpu'],
    ]) {
      const r = cli(args);
      expect(r.status).toBe(2);
      expect(r.stderr).toContain(
        `--device "tpu" is not a device sdarts can run on: use 'cpu', 'cuda' (= cuda:0) or 'cuda:N' (GPU N, as the reference's --gpu N)`,
      );
    }
  });

  it('--save onto an existing file: what is in the way and what to do, not a raw EEXIST', () => {
    const file = join(tmp, 'not-a-dir');
    writeFileSync(file, 'x');
    const r = cli(['search', '--dataset', 'fashion-mnist', '--save', file]);
    expect(r.status).toBe(2);
    expect(r.stderr).toBe(
      `sdarts: --save ${file}: a file is in the way — a run directory is a folder. Remove or rename the file, or choose another --save path.\n`,
    );
    const below = cli(['search', '--dataset', 'fashion-mnist', '--save', join(file, 'run')]);
    expect(below.status).toBe(2);
    expect(below.stderr).toContain(`--save ${join(file, 'run')}: a file on its path is in the way`);
  });

  it('-o is --output for genotype draw', () => {
    const out = join(tmp, 'cell.svg');
    const r = cli(['genotype', 'draw', 'DARTS_V2', '-o', out]);
    expect(r.status).toBe(0);
    expect(existsSync(out) && readFileSync(out, 'utf8').startsWith('<svg')).toBe(true);
  });
});
