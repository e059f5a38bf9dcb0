#!/usr/bin/env node
// Writes docs/cli.md from the option tables (src/run/options.ts) — the same tables that drive the
// CLI's parser and the typed configs, so the reference cannot drift (test/run/cli-docs.test.ts checks).
import { writeFileSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { SEARCH_OPTIONS, TRAIN_OPTIONS, NASBENCH_SEARCH_OPTIONS, DEVICE_OPTIONS, RUN_OPTIONS } from '../dist/run/options.js';

export function renderCliDocs() {
  /** @param {import('../dist/run/options.js').OptionSpec[]} specs */
  const table = (specs) =>
    [
      '| flag | default | meaning |',
      '|---|---|---|',
      ...specs.map((s) => {
        const flag =
          s.kind === 'bool'
            ? s.default === true
              ? `--no-${s.flag}`
              : `--${s.flag}`
            : `--${s.flag} ${s.kind === 'choice' ? `<${(s.choices ?? []).join('\\|')}>` : `<${s.kind}>`}`;
        const def = s.kind === 'bool' ? (s.default ? 'on' : 'off') : s.default === null || s.default === undefined ? '—' : String(s.default);
        return `| \`${flag}\` | ${def} | ${s.help.replace(/\|/g, '\\|')} |`;
      }),
    ].join('\n');
  return [
    '# sdarts command-line reference',
    '',
    'Generated from `src/run/options.ts` by `node scripts/gen-cli-docs.mjs` (a test keeps it current).',
    'Every command also prints its flags with `--help`.',
    '',
    '## sdarts search',
    '',
    'CNN cell search on S1–S5 (DARTS 1st/2nd order, SDARTS-RS, SDARTS-ADV).',
    '',
    table(SEARCH_OPTIONS),
    '',
    '## sdarts train',
    '',
    'Train a cell from scratch and report test accuracy every epoch.',
    '',
    table(TRAIN_OPTIONS),
    '',
    '## sdarts nasbench search',
    '',
    'NAS-Bench-1Shot1 one-shot search, scored against NAS-Bench-101 after every epoch.',
    '',
    table(NASBENCH_SEARCH_OPTIONS),
    '',
    '## Options of every job (search, train, nasbench search)',
    '',
    table([...DEVICE_OPTIONS, ...RUN_OPTIONS]),
    '',
    '## Other commands',
    '',
    '- `sdarts test --checkpoint RUN_DIR [--data DIR] [--device D] [--json]` — evaluate a trained model on the test split.',
    "- `sdarts nasbench query --nasbench FILE (--hash H | --spec JSON) [--cache-dir DIR] [--json]` — one architecture's metrics.",
    '- `sdarts nasbench score RUN_DIR --nasbench FILE [--cache-dir DIR] [--json]` — re-score every saved epoch of a run.',
    '- `sdarts data download <cifar10|cifar100|svhn|fashion-mnist|mnist|ptb> [--dir DIR] [--base-url URL]` — download, verify, unpack.',
    '',
  ].join('\n');
}

if (resolve(process.argv[1] ?? '') === fileURLToPath(import.meta.url)) {
  const path = join(dirname(fileURLToPath(import.meta.url)), '..', 'docs', 'cli.md');
  writeFileSync(path, renderCliDocs());
  console.log(`wrote ${path}`);
}
