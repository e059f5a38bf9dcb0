/** The command table (src/run/commands.ts) as commander commands: declared once, used everywhere. */
import { Argument, Command, Option } from 'commander';
import { COMMAND_GROUPS, COMMANDS, type CommandName, type CommandSpec, type OptionSpec } from '../run/commands.js';
import { SdartsError } from '../util/errors.js';

function option(s: OptionSpec): Option {
  const short = s.short ? `-${s.short}, ` : '';
  if (s.kind === 'bool') return s.default === true ? new Option(`--no-${s.flag}`, `disable: ${s.help}`) : new Option(`${short}--${s.flag}`, s.help);
  const arg =
    s.arg ??
    (s.kind === 'choice'
      ? s.choices!.join('|')
      : s.kind === 'path'
        ? 'path'
        : s.kind === 'int'
          ? 'n'
          : s.kind === 'float'
            ? 'x'
            : s.kind === 'device'
              ? 'device'
              : 'value');
  let opt = new Option(`${short}--${s.flag} <${arg}>`, s.help);
  if (s.kind === 'choice') opt = opt.choices(s.choices as string[]);
  if (s.default !== undefined && s.default !== null) opt = opt.default(s.default, String(s.default));
  if (s.required) opt = opt.makeOptionMandatory();
  return opt;
}

/**
 * Add `spec` to `program` (under its group for two-word names), with its arguments and options. Usage
 * errors are thrown (program.exitOverride(), set before the commands are added, is inherited), not printed
 * with the help: main.ts prints one line (`usageLine`).
 */
export function addCommand(program: Command, spec: CommandSpec): Command {
  const words = spec.name.split(' ');
  let parent = program;
  for (const group of words.slice(0, -1)) {
    parent = parent.commands.find((c) => c.name() === group) ?? parent.command(group).description(COMMAND_GROUPS[group] ?? group);
  }
  const cmd = parent.command(words[words.length - 1]!).description(spec.description);
  for (const a of spec.arguments ?? []) cmd.addArgument(new Argument(`<${a.name}>`, a.choices ? `${a.help}: ${a.choices.join('|')}` : a.help));
  for (const s of spec.options) cmd.addOption(option(s));
  if (REFERENCE_SCRIPTS[spec.name])
    cmd.addHelpText(
      'after',
      `\nThe reference's flag spellings (${REFERENCE_SCRIPTS[spec.name]}: --learning_rate, --gpu N, …) are accepted too: docs/porting.md.`,
    );
  return cmd;
}

/** commander's parsed options minus those left at their defaults that the caller did not pass (for --resume). */
export function explicitOptions(cmd: Command): Record<string, unknown> {
  const out: Record<string, unknown> = {};
  for (const [k, v] of Object.entries(cmd.opts())) {
    if (cmd.getOptionValueSource(k) === 'cli' || cmd.getOptionValueSource(k) === 'env') out[k] = v;
  }
  return out;
}

// ---- Porting from the reference: its flag spellings (docs/porting.md, generated from what follows) ----

/** The reference script each command replaces (docs/porting.md's sections). */
export const REFERENCE_SCRIPTS: Readonly<Record<string, string>> = {
  search: 'sota/cnn/train_search.py',
  train: 'sota/cnn/train.py',
  'nasbench search': 'optimizers/darts/train_search.py (NAS-Bench-1Shot1)',
  'rnn search': 'sota/rnn/train_search.py',
  'rnn train': 'sota/rnn/train.py',
};

/** A reference flag that sdarts spells differently (the snake_case rule does not cover it). */
export interface RenamedFlag {
  /** The reference's name, without dashes. */
  from: string;
  /** The sdarts flag, without dashes. */
  to: string;
  commands: readonly string[];
  /** Its value in sdarts' terms (default: as given). */
  value?: (v: string) => string;
  /** How the value is written in the porting table, e.g. 'cuda:N'. */
  shown?: string;
  note?: string;
}

/** A reference flag sdarts takes but does not use, or refuses with a hint. */
export interface OtherFlag {
  from: string;
  commands: readonly string[];
  /** 'ignored': accepted (with its value) and dropped, with a note on stderr; 'checked': see `check`. */
  kind: 'ignored' | 'checked';
  note: string;
}

const JOBS = ['search', 'train', 'nasbench search', 'rnn search', 'rnn train'] as const satisfies readonly CommandName[];

/** The reference's flags that sdarts renamed: the one table (the snake_case spellings follow one rule, `snakeAlias`). */
export const RENAMED_FLAGS: readonly RenamedFlag[] = [
  { from: 'perturb_alpha', to: 'perturb', commands: ['search', 'nasbench search', 'rnn search'] },
  { from: 'search_space', to: 'space', commands: ['search', 'nasbench search'] },
  { from: 'log-interval', to: 'report-freq', commands: ['rnn search', 'rnn train'] },
  { from: 'gpu', to: 'device', commands: JOBS, value: (n) => `cuda:${n}`, shown: 'cuda:N', note: '`--gpu N` = `--device cuda:N`' },
];

export const OTHER_FLAGS: readonly OtherFlag[] = [
  {
    from: 'small_batch_size',
    commands: ['rnn search', 'rnn train'],
    kind: 'checked',
    note: 'accepted when equal to the batch size (or -1); smaller forward passes are not supported',
  },
  { from: 'model_path', commands: ['search', 'train', 'nasbench search'], kind: 'ignored', note: 'unused by the reference: ignored' },
];

/** The reference's snake_case spelling of a kebab-case flag ('learning-rate' → 'learning_rate'), or null if it has no dash. */
export function snakeAlias(flag: string): string | null {
  return flag.includes('-') ? flag.replace(/-/g, '_') : null;
}

/** The sdarts flag (with dashes) that a reference flag name means for `spec`, if any: the renamed table, then the rule. */
export function portedFlag(spec: CommandSpec, name: string): { flag: string; renamed?: RenamedFlag } | null {
  const renamed = RENAMED_FLAGS.find((r) => r.from === name && r.commands.includes(spec.name));
  if (renamed) return { flag: renamed.to, renamed };
  for (const o of spec.options) {
    const snake = snakeAlias(o.flag);
    if (snake === null) continue;
    if (o.kind === 'bool' && o.default === true) {
      if (name === `no_${snake}`) return { flag: `no-${o.flag}` };
    } else if (name === snake) return { flag: o.flag };
  }
  return null;
}

/** The command an argument vector (after `node main.js`) runs: the longest match of its leading words. */
export function commandOfArgs(args: readonly string[]): CommandSpec | null {
  const words: string[] = [];
  for (const a of args) {
    if (a.startsWith('-') || words.length === 2) break;
    words.push(a);
  }
  for (let n = words.length; n > 0; n--) {
    const name = words.slice(0, n).join(' ');
    const spec = COMMANDS.find((c) => c.name === name);
    if (spec) return spec;
  }
  return null;
}

/**
 * Rewrite the reference's flag spellings in `args` (after `node main.js`) to sdarts' (docs/porting.md):
 * `--learning_rate 0.1` → `--learning-rate 0.1`, `--perturb_alpha pgd_linf` → `--perturb pgd_linf`,
 * `--gpu 0` → `--device cuda:0`; drops the ignored ones (with `note` called) and checks the checked ones.
 */
export function portArgs(args: readonly string[], note: (line: string) => void = () => {}): string[] {
  const spec = commandOfArgs(args);
  if (!spec) return [...args];
  const out: string[] = [];
  for (let i = 0; i < args.length; i++) {
    const a = args[i]!;
    if (a === '--') {
      out.push(...args.slice(i));
      break;
    }
    if (!a.startsWith('--')) {
      out.push(a);
      continue;
    }
    const eq = a.indexOf('=');
    const name = a.slice(2, eq < 0 ? undefined : eq);
    const inline = eq < 0 ? null : a.slice(eq + 1);
    /** The flag's value: inline after '=', else the next argument (consumed). */
    const value = (): string => {
      if (inline !== null) return inline;
      const v = args[i + 1];
      if (v === undefined || v.startsWith('--')) throw usage(spec, `option '--${name}' argument missing`);
      i++;
      return v;
    };
    const other = OTHER_FLAGS.find((f) => f.from === name && f.commands.includes(spec.name));
    if (other?.from === 'small_batch_size') {
      checkSmallBatch(spec, args, value());
      continue;
    }
    if (other) {
      note(`sdarts: --${name} ${value()}: ${other.note}`);
      continue;
    }
    const ported = portedFlag(spec, name);
    if (!ported) {
      out.push(a);
      continue;
    }
    const option = spec.options.find((o) => o.flag === ported.flag || `no-${o.flag}` === ported.flag);
    const takesValue = option !== undefined && option.kind !== 'bool';
    if (ported.renamed?.value) {
      const v = value();
      if (!/^\d+$/.test(v)) throw usage(spec, `--${name} takes a GPU index (a whole number), got '${v}'`);
      out.push(`--${ported.flag}`, ported.renamed.value(v));
    } else if (takesValue && inline !== null) out.push(`--${ported.flag}=${inline}`);
    else out.push(`--${ported.flag}`);
  }
  return out;
}

/** `--small_batch_size`: the reference splits each batch into forward passes of this size; sdarts runs the whole batch. */
function checkSmallBatch(spec: CommandSpec, args: readonly string[], v: string): void {
  const n = Number(v);
  const batch = batchSizeOf(spec, args);
  if (n === -1 || n === batch) return;
  throw usage(
    spec,
    `--small_batch_size ${v} differs from the batch size ${batch}: splitting a batch into smaller forward passes is not supported; drop --small_batch_size (or give the batch size)`,
  );
}

function batchSizeOf(spec: CommandSpec, args: readonly string[]): number {
  for (let i = args.length - 1; i >= 0; i--) {
    const m = /^--batch[-_]size(?:=(.*))?$/.exec(args[i]!);
    if (m) return Number(m[1] ?? args[i + 1]);
  }
  return Number(spec.options.find((o) => o.flag === 'batch-size')?.default);
}

/** A usage error of `spec`: one line with the hint where to look. */
export function usage(spec: CommandSpec | null, message: string): SdartsError {
  return new SdartsError('ERR_SDARTS_CONFIG', usageLine(spec?.name ?? null, message));
}

/** One line: the command, what was wrong, where the flags are listed (and, for an unknown flag, where the reference's spellings are). */
export function usageLine(command: string | null, message: string): string {
  const text = message
    .replace(/^error: /, '')
    .replace(/\n\(Did you mean (.*)\?\)/, ' (did you mean $1?)')
    .replace(/\s*\n\s*/g, ' ')
    .trim()
    .replace(/\.$/, '');
  const porting = command && REFERENCE_SCRIPTS[command] && /unknown option/.test(text) ? '; the reference’s flag spellings: docs/porting.md' : '';
  return `${command ? `${command}: ` : ''}${text}. See \`sdarts${command ? ` ${command}` : ''} --help\`${porting}.`;
}
