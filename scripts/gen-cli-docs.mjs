#!/usr/bin/env node
// Writes docs/cli.md from the command table (src/run/commands.ts) — the same table that drives the
// CLI's parser and the typed configs, so the reference cannot drift (test/run/cli-docs.test.ts checks) —
// and docs/porting.md from the reference-flag tables of src/cli/command-table.ts (test/cli/porting.test.ts checks).
import { writeFileSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { COMMANDS } from '../dist/run/commands.js';
import { OTHER_FLAGS, REFERENCE_SCRIPTS, RENAMED_FLAGS, snakeAlias } from '../dist/cli/command-table.js';

/** @param {import('../dist/run/commands.js').OptionSpec} s */
function flagOf(s) {
  const short = s.short ? `-${s.short}, ` : '';
  if (s.kind === 'bool') return s.default === true ? `--no-${s.flag}` : `${short}--${s.flag}`;
  return `${short}--${s.flag} <${s.arg ?? (s.kind === 'choice' ? (s.choices ?? []).join('\\|') : s.kind)}>`;
}

/** @param {import('../dist/run/commands.js').OptionSpec} s */
function defaultOf(s) {
  if (s.kind === 'bool') return s.default ? 'on' : 'off';
  if (s.required) return 'required';
  return s.default === null || s.default === undefined ? '—' : String(s.default);
}

/** @param {import('../dist/run/commands.js').CommandSpec} c */
function section(c) {
  const args = (c.arguments ?? []).map((a) => ` <${a.name}>`).join('');
  return [
    `## sdarts ${c.name}${args}`,
    '',
    `${c.description[0].toUpperCase()}${c.description.slice(1)}.`,
    '',
    ...(c.arguments ?? []).map((a) => `- \`<${a.name}>\`: ${a.help}${a.choices ? `: ${a.choices.map((x) => `\`${x}\``).join(', ')}` : ''}.`),
    ...(c.arguments?.length ? [''] : []),
    '| flag | default | meaning |',
    '|---|---|---|',
    ...c.options.map((s) => `| \`${flagOf(s)}\` | ${defaultOf(s)} | ${s.help.replace(/\|/g, '\\|')} |`),
    '',
  ];
}

export function renderCliDocs() {
  return [
    '# sdarts command-line reference',
    '',
    'Generated from the command table in `src/run/commands.ts` by `node scripts/gen-cli-docs.mjs` (a test keeps it current).',
    'Every command also prints its flags with `--help`. The reference’s flag spellings (`--learning_rate`, `--gpu N`, …)',
    'are accepted too: [porting.md](porting.md). A usage error (unknown flag, bad choice, missing value) exits 2 with one line.',
    '',
    '**Progress.** On a terminal, jobs keep one status line that names the phase they are in — startup, the first step,',
    'train steps (running means of loss and accuracy, or loss and perplexity for `rnn search`/`rnn train`), the',
    'validation or test pass (batches done), the Hessian analysis, checkpoint writes — with the time spent in it and an',
    "ETA that adds each remaining epoch's validation, analysis and checkpoint time as measured in the previous epoch.",
    'The start of each phase is also a `phase` event (with its time) in `events.jsonl` and on `--json`, so a run on a',
    'cluster shows where it stands; the per-batch `progress` events only feed the display (neither file nor `--json`).',
    "A single step or analysis is one call into LibTorch: the line's clock moves again when it returns.",
    '',
    ...COMMANDS.flatMap(section),
  ].join('\n');
}

/** @param {import('../dist/run/commands.js').CommandSpec} c */
function portingSection(c) {
  const renamed = RENAMED_FLAGS.filter((r) => r.commands.includes(c.name)).map(
    (r) => `| \`--${r.from}${r.shown ? ' N' : ''}\` | \`--${r.to}${r.shown ? ` ${r.shown}` : ''}\` | renamed${r.note ? `: ${r.note}` : ''} |`,
  );
  const other = OTHER_FLAGS.filter((f) => f.commands.includes(c.name)).map((f) => `| \`--${f.from}\` | — | ${f.note} |`);
  const snake = c.options.flatMap((o) => {
    const a = snakeAlias(o.flag);
    if (a === null) return [];
    return o.kind === 'bool' && o.default === true ? [`| \`--no_${a}\` | \`--no-${o.flag}\` | |`] : [`| \`--${a}\` | \`--${o.flag}\` | |`];
  });
  return [
    `## \`sdarts ${c.name}\` ← \`${REFERENCE_SCRIPTS[c.name]}\``,
    '',
    '| reference flag | sdarts flag | |',
    '|---|---|---|',
    ...renamed,
    ...other,
    ...snake,
    '',
  ];
}

export function renderPortingDocs() {
  return [
    '# Porting from the reference',
    '',
    'Generated from the tables in `src/cli/command-table.ts` by `node scripts/gen-cli-docs.mjs` (a test keeps it current).',
    '',
    "A script that calls the reference's `train_search.py --learning_rate 0.025 --perturb_alpha pgd_linf --gpu 0` runs",
    'unchanged as `sdarts search --learning_rate 0.025 --perturb_alpha pgd_linf --gpu 0`: every sdarts flag is also',
    'accepted in the snake_case spelling of the reference (`--batch_size` = `--batch-size`, also as `--batch_size=64`),',
    'the renamed ones below are translated, and single-word flags (`--epochs`, `--seed`, `--layers`, `--cutout`, …)',
    "are the same. `--save` names the run directory (the reference's names an experiment folder it creates with a time",
    'stamp). Flags the reference has and sdarts does not (e.g. `--workers`) are refused with a one-line error.',
    '',
    ...COMMANDS.filter((c) => REFERENCE_SCRIPTS[c.name]).flatMap(portingSection),
  ].join('\n');
}

if (resolve(process.argv[1] ?? '') === fileURLToPath(import.meta.url)) {
  const docs = join(dirname(fileURLToPath(import.meta.url)), '..', 'docs');
  for (const [file, text] of [
    ['cli.md', renderCliDocs()],
    ['porting.md', renderPortingDocs()],
  ]) {
    writeFileSync(join(docs, file), text);
    console.log(`wrote ${join(docs, file)}`);
  }
}
