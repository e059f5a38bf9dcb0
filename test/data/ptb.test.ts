import { copyFileSync, mkdirSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { loadPtb, tokenizeLines, EOS } from '../../src/data/ptb.js';
import { FIXTURES, expectDataError, manifest, tempDir } from './fixture-helpers.js';

// Expected ids come from DARTS' Dictionary/Corpus logic run by make_data_fixtures.py.
const M = manifest('ptb');

describe('Penn Treebank corpus', () => {
  it('one vocabulary over train, valid, test in first-seen order, <eos> per line (DARTS data.py)', () => {
    const c = loadPtb(join(FIXTURES, 'ptb'));
    expect(c.vocab).toEqual(M.vocab);
    expect(Array.from(c.train)).toEqual(M.train);
    expect(Array.from(c.valid)).toEqual(M.valid);
    expect(Array.from(c.test)).toEqual(M.test);
    expect(c.train).toBeInstanceOf(Int32Array);
    for (const [i, w] of c.vocab.entries()) expect(c.wordToId.get(w)).toBe(i);
  });

  it('accepts DARTS’ data/penn/{train,valid,test}.txt names', () => {
    const dir = tempDir();
    mkdirSync(join(dir, 'penn'));
    for (const s of ['train', 'valid', 'test']) copyFileSync(join(FIXTURES, 'ptb', `ptb.${s}.txt`), join(dir, 'penn', `${s}.txt`));
    const c = loadPtb(dir);
    expect(c.vocab).toEqual(M.vocab);
    expect(Array.from(c.test)).toEqual(M.test);
  });

  it('a missing split names the file and the download command', () => {
    const dir = tempDir('ptb');
    rmSync(join(dir, 'ptb.valid.txt'));
    expectDataError(() => loadPtb(dir), 'ERR_SDARTS_DATA_MISSING', join(dir, 'ptb.valid.txt'), 'also looked for valid.txt', `sdarts data download ptb --dir ${dir}`);
  });
});

describe('tokenizeLines (Python universal newlines + str.split())', () => {
  it('an empty line is one <eos>; a final newline adds no line; \\r\\n and \\r end lines', () => {
    expect(tokenizeLines(' a  b\n\nc\r\nd\re\n')).toEqual([['a', 'b', EOS], [EOS], ['c', EOS], ['d', EOS], ['e', EOS]]);
    expect(tokenizeLines('x')).toEqual([['x', EOS]]);
    expect(tokenizeLines('')).toEqual([]);
  });
});
