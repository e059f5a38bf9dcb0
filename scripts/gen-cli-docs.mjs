#!/usr/bin/env node
// Writes docs/cli.md from the command table (src/run/commands.ts) — the same table that drives the
// CLI's parser and the typed configs, so the reference cannot drift (test/run/cli-docs.test.ts checks).
import { writeFileSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { COMMANDS } from '../dist/run/commands.js';

/** @param {import('../dist/run/commands.js').OptionSpec} s */
function flagOf(s) {
  if (s.kind === 'bool') return s.default === true ? `--no-${s.flag}` : `--${s.flag}`;
  return `--${s.flag} <${s.arg ?? (s.kind === 'choice' ? (s.choices ?? []).join('\\|') : s.kind)}>`;
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
    'Every command also prints its flags with `--help`.',
    '',
    ...COMMANDS.flatMap(section),
  ].join('\n');
}

if (resolve(process.argv[1] ?? '') === fileURLToPath(import.meta.url)) {
  const path = join(dirname(fileURLToPath(import.meta.url)), '..', 'docs', 'cli.md');
  writeFileSync(path, renderCliDocs());
  console.log(`wrote ${path}`);
}
