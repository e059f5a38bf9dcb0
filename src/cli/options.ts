/** Turning the option tables (src/run/options.ts) into commander options: declared once, used everywhere. */
import { Command, Option } from 'commander';
import type { OptionSpec } from '../run/options.js';

export function addOptions(cmd: Command, specs: OptionSpec[]): Command {
  for (const s of specs) {
    let opt: Option;
    if (s.kind === 'bool') {
      opt = s.default === true ? new Option(`--no-${s.flag}`, `disable: ${s.help}`) : new Option(`--${s.flag}`, s.help);
    } else {
      const arg =
        s.kind === 'choice' ? `<${s.choices!.join('|')}>` : s.kind === 'path' ? '<path>' : `<${s.kind === 'int' ? 'n' : s.kind === 'float' ? 'x' : 'value'}>`;
      opt = new Option(`--${s.flag} ${arg}`, s.help);
      if (s.kind === 'choice') opt = opt.choices(s.choices as string[]);
      if (s.default !== undefined && s.default !== null) opt = opt.default(s.default, String(s.default));
    }
    cmd.addOption(opt);
  }
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
