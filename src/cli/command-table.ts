/** The command table (src/run/commands.ts) as commander commands: declared once, used everywhere. */
import { Argument, Command, Option } from 'commander';
import { COMMAND_GROUPS, type CommandSpec, type OptionSpec } from '../run/commands.js';

function option(s: OptionSpec): Option {
  if (s.kind === 'bool') return s.default === true ? new Option(`--no-${s.flag}`, `disable: ${s.help}`) : new Option(`--${s.flag}`, s.help);
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
  let opt = new Option(`--${s.flag} <${arg}>`, s.help);
  if (s.kind === 'choice') opt = opt.choices(s.choices as string[]);
  if (s.default !== undefined && s.default !== null) opt = opt.default(s.default, String(s.default));
  if (s.required) opt = opt.makeOptionMandatory();
  return opt;
}

/** Add `spec` to `program` (under its group for two-word names), with its arguments and options. */
export function addCommand(program: Command, spec: CommandSpec): Command {
  const words = spec.name.split(' ');
  let parent = program;
  for (const group of words.slice(0, -1)) {
    parent = parent.commands.find((c) => c.name() === group) ?? parent.command(group).description(COMMAND_GROUPS[group] ?? group);
  }
  const cmd = parent.command(words[words.length - 1]!).description(spec.description);
  for (const a of spec.arguments ?? []) cmd.addArgument(new Argument(`<${a.name}>`, a.choices ? `${a.help}: ${a.choices.join('|')}` : a.help));
  for (const s of spec.options) cmd.addOption(option(s));
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
