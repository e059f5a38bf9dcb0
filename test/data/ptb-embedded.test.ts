/**
 * The embedded PTB-format corpus (data/ptb-kjv/, written by scripts/make-embedded-ptb.py from the
 * Debian package bible-kjv-text). The byte-for-byte regeneration needs that package and lives in
 * `npm run check:corpus`; here: the files are the ones the README (also written by the script) lists,
 * and they load as a PTB-shaped corpus.
 */
import { createHash } from 'node:crypto';
import { copyFileSync, readFileSync, readdirSync, rmSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { EMBEDDED_PTB_DIR, loadEmbeddedPtb, resolvePtbCorpus } from '../../src/data/embedded.js';
import { EOS, PTB_SPLITS, loadPtb } from '../../src/data/ptb.js';
import { FIXTURES, expectArgError, expectDataError, manifest, tempDir } from './fixture-helpers.js';

const readme = readFileSync(join(EMBEDDED_PTB_DIR, 'README.md'), 'utf8');
/** The README's table row of a split: | split | chapters | sentences | words | tokens | <unk> | bytes | `sha256` | */
function row(split: string): { sentences: number; tokens: number; unk: number; bytes: number; sha256: string } {
  const m = new RegExp(`^\\| ${split} \\| ([\\d,]+) \\| ([\\d,]+) \\| ([\\d,]+) \\| ([\\d,]+) \\| ([\\d,]+) \\| ([\\d,]+) \\| \`([0-9a-f]{64})\` \\|$`, 'm').exec(readme);
  expect(m, `README row for ${split}`).not.toBeNull();
  const n = (s: string): number => Number(s.replace(/,/g, ''));
  return { sentences: n(m![2]!), tokens: n(m![4]!), unk: n(m![5]!), bytes: n(m![6]!), sha256: m![7]! };
}

describe('embedded PTB-format corpus (King James Bible)', () => {
  const corpus = loadEmbeddedPtb();

  it('lives in data/ptb-kjv with a README naming the Debian package, the public-domain status and the copyright file’s terms; a few MB', () => {
    expect(EMBEDDED_PTB_DIR.replace(/\\/g, '/')).toMatch(/\/data\/ptb-kjv\/$/);
    for (const s of ['bible-kjv-text', 'public domain', 'This file is provided for unrestricted use provided that this', 'Users may copy, modify or', 'Chip Chapin', 'scripts/make-embedded-ptb.py', 'npm run check:corpus']) expect(readme).toContain(s);
    expect(readdirSync(EMBEDDED_PTB_DIR).sort()).toEqual(['README.md', 'test.txt', 'train.txt', 'valid.txt']);
    const bytes = readdirSync(EMBEDDED_PTB_DIR).reduce((a, f) => a + statSync(join(EMBEDDED_PTB_DIR, f)).size, 0);
    expect(bytes).toBeLessThanOrEqual(5 * 1024 * 1024);
  });

  for (const split of PTB_SPLITS) {
    it(`${split}: sha256, size, lines and token count as the README lists them`, () => {
      const want = row(split);
      const raw = readFileSync(join(EMBEDDED_PTB_DIR, `${split}.txt`));
      expect(createHash('sha256').update(raw).digest('hex')).toBe(want.sha256);
      expect(raw.length).toBe(want.bytes);
      const lines = raw.toString('ascii').split('\n');
      expect(lines.pop()).toBe('');
      expect(lines.length).toBe(want.sentences);
      // PTB's layout: " w1 w2 … wn " per line, lower case, no digits, no punctuation but "'s" and inner hyphens
      for (const l of lines) expect(l).toMatch(/^ ([a-z][a-z-]*|'s|N|<unk>)( ([a-z][a-z-]*|'s|N|<unk>))* $/);
      expect(corpus[split].length).toBe(want.tokens);
      expect(corpus[split].length).toBeGreaterThan(0);
      const unk = corpus.wordToId.get('<unk>')!;
      expect(corpus[split].reduce((a, id) => a + (id === unk ? 1 : 0), 0)).toBe(want.unk);
    });
  }

  it('vocabulary of 10 000 with <eos>, <unk> and N, as PTB’s; train ≈ 85 % of the tokens; 9 998 words all seen in train', () => {
    expect(corpus.vocab.length).toBe(10_000);
    for (const w of [EOS, '<unk>', 'N', "'s", 'the', 'lord']) expect(corpus.wordToId.has(w), w).toBe(true);
    const inTrain = new Set(corpus.train);
    expect(inTrain.size).toBe(10_000);
    const total = PTB_SPLITS.reduce((a, s) => a + corpus[s].length, 0);
    expect(corpus.train.length / total).toBeGreaterThan(0.8);
    expect(corpus.valid.length / total).toBeGreaterThan(0.05);
    expect(corpus.test.length / total).toBeGreaterThan(0.05);
  });

  it('resolvePtbCorpus: null → the embedded corpus, a directory → loadPtb(dir)', () => {
    expect(resolvePtbCorpus(null).vocab).toEqual(corpus.vocab);
    const c = resolvePtbCorpus(join(FIXTURES, 'ptb'));
    expect(c.vocab).toEqual(manifest('ptb').vocab);
    expect(Array.from(c.train)).toEqual(Array.from(loadPtb(join(FIXTURES, 'ptb')).train));
    expectArgError(() => resolvePtbCorpus('' as string), TypeError, "Expected a corpus directory or null (the embedded corpus) for 'data' in resolvePtbCorpus() but received \"\" (string)", 'ERR_SDARTS_INVALID_ARG_TYPE');
    const dir = tempDir();
    expectDataError(() => resolvePtbCorpus(dir), 'ERR_SDARTS_DATA_MISSING', join(dir, 'ptb.train.txt'), `sdarts data download ptb --dir ${dir}`);
  });

  it('a missing embedded file says how to get it back (reinstall, or the script and its Debian package)', () => {
    const dir = tempDir();
    for (const s of PTB_SPLITS) copyFileSync(join(EMBEDDED_PTB_DIR, `${s}.txt`), join(dir, `${s}.txt`));
    rmSync(join(dir, 'valid.txt'));
    expectDataError(() => loadEmbeddedPtb(dir), 'ERR_SDARTS_DATA_MISSING', 'valid.txt', 'reinstall the sdarts package', 'scripts/make-embedded-ptb.py', 'bible-kjv-text');
  });

  it('the compiled module (dist/data/embedded.js) resolves to the same folder', () => {
    const fromDist = fileURLToPath(new URL('../../data/ptb-kjv/', new URL('../../dist/data/embedded.js', import.meta.url)));
    expect(fromDist).toBe(EMBEDDED_PTB_DIR);
  });
});
