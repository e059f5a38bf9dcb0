import { join } from 'node:path';
import { dataMissing, isFile, readDataFile, downloadHint } from './data-errors.js';

/**
 * Penn Treebank (Mikolov's `ptb.{train,valid,test}.txt`, or `train.txt` etc. as DARTS' `data/penn/`
 * has them). Tokenisation follows DARTS' `data.py`: each line is split on whitespace and `<eos>` is
 * appended; one vocabulary is grown over train, then valid, then test, ids in first-seen order.
 */

export interface PtbCorpus {
  /** id → word, in first-seen order. */
  vocab: string[];
  /** word → id. */
  wordToId: Map<string, number>;
  train: Int32Array;
  valid: Int32Array;
  test: Int32Array;
}

export const PTB_SPLITS = ['train', 'valid', 'test'] as const;
export type PtbSplit = (typeof PTB_SPLITS)[number];

export const EOS = '<eos>';

/** The file for one split: `ptb.<split>.txt` or `<split>.txt`, in `dir` or `dir/penn`. */
export function findPtbFile(dir: string, split: PtbSplit): string | null {
  for (const d of [dir, join(dir, 'penn')]) {
    for (const n of [`ptb.${split}.txt`, `${split}.txt`]) if (isFile(join(d, n))) return join(d, n);
  }
  return null;
}

/**
 * Python iterates a text file by universal newlines (\n, \r\n, \r) and `str.split()` drops empty
 * fields, so an empty line still yields one `<eos>` and a final newline does not add a line.
 */
export function tokenizeLines(text: string): string[][] {
  const lines = text.split(/\r\n|\r|\n/);
  if (lines.length > 0 && lines[lines.length - 1] === '') lines.pop();
  return lines.map((l) => {
    const t = l.trim();
    return t === '' ? [EOS] : [...t.split(/\s+/), EOS];
  });
}

export function loadPtb(dir: string): PtbCorpus {
  const hint = downloadHint('ptb', dir);
  const vocab: string[] = [];
  const wordToId = new Map<string, number>();
  const ids = {} as Record<PtbSplit, Int32Array>;
  for (const split of PTB_SPLITS) {
    const path = findPtbFile(dir, split);
    if (path === null) throw dataMissing(join(dir, `ptb.${split}.txt`), `Penn Treebank ${split} split; also looked for ${split}.txt and ${join('penn', `ptb.${split}.txt`)}`, hint);
    const text = readDataFile(path, `Penn Treebank ${split} split`, hint).toString('utf8');
    const out: number[] = [];
    for (const words of tokenizeLines(text)) {
      for (const w of words) {
        let id = wordToId.get(w);
        if (id === undefined) {
          id = vocab.length;
          vocab.push(w);
          wordToId.set(w, id);
        }
        out.push(id);
      }
    }
    ids[split] = Int32Array.from(out);
  }
  return { vocab, wordToId, train: ids.train, valid: ids.valid, test: ids.test };
}
