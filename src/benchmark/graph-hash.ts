import { hash } from 'node:crypto';

/**
 * NAS-Bench-101's graph hash (`graph_util.hash_module`), bit-identical to the reference.
 *
 * It is a Weisfeiler-Lehman style refinement over MD5 hex digests, so every string that goes into
 * MD5 must be byte-identical to what Python builds:
 *  - initial vertex hash: md5 of Python's `str((out_degree, in_degree, label))`, e.g. "(3, 0, -1)";
 *    degrees are formatted as integers (a float matrix in Python would give "2.0" and a different hash);
 *  - exactly V rounds, synchronous: md5(sorted in-neighbour hashes + "|" + sorted out-neighbour
 *    hashes + "|" + own hash);
 *  - fingerprint: md5 of Python's `str(sorted(hashes))`, i.e. "['a', 'b']".
 * Hex digits are lowercase ASCII, so JS's default string sort equals Python's.
 */

/** Optional step trace, for comparing against the reference's traces. */
export interface HashTrace {
  outDegree: number[];
  inDegree: number[];
  initialStrings: string[];
  /** hashesAfterRound[0] are the initial hashes; [r] after round r (1..V). */
  hashesAfterRound: string[][];
  finalInputString: string;
}

function md5hex(s: string): string {
  return hash('md5', s, 'hex');
}

/**
 * Hash a pruned module. `matrix` is V×V with integer entries (non-zero = edge, degrees sum the raw
 * values as the reference does); `labels` are -1 for the input, -2 for the output and the index in
 * AVAILABLE_OPS for the others.
 */
export function hashModule(matrix: readonly (readonly number[])[], labels: readonly number[], trace?: HashTrace): string {
  const v = matrix.length;
  const outDegree = new Array<number>(v).fill(0);
  const inDegree = new Array<number>(v).fill(0);
  const inNbrs: number[][] = [];
  const outNbrs: number[][] = [];
  for (let i = 0; i < v; i++) {
    inNbrs.push([]);
    outNbrs.push([]);
  }
  for (let i = 0; i < v; i++) {
    const row = matrix[i]!;
    for (let j = 0; j < v; j++) {
      const x = row[j]!;
      outDegree[i]! += x;
      inDegree[j]! += x;
      if (x !== 0) {
        outNbrs[i]!.push(j);
        inNbrs[j]!.push(i);
      }
    }
  }
  const initialStrings = labels.map((label, i) => `(${outDegree[i]}, ${inDegree[i]}, ${label})`);
  let hashes = initialStrings.map(md5hex);
  if (trace) {
    trace.outDegree = outDegree;
    trace.inDegree = inDegree;
    trace.initialStrings = initialStrings;
    trace.hashesAfterRound = [hashes];
  }
  for (let round = 0; round < v; round++) {
    const next: string[] = new Array<string>(v);
    for (let i = 0; i < v; i++) {
      const ins = inNbrs[i]!.map((u) => hashes[u]!)
        .sort()
        .join('');
      const outs = outNbrs[i]!.map((w) => hashes[w]!)
        .sort()
        .join('');
      next[i] = md5hex(ins + '|' + outs + '|' + hashes[i]!);
    }
    hashes = next;
    if (trace) trace.hashesAfterRound.push(hashes);
  }
  const finalInputString =
    '[' +
    hashes
      .slice()
      .sort()
      .map((h) => `'${h}'`)
      .join(', ') +
    ']';
  if (trace) trace.finalInputString = finalInputString;
  return md5hex(finalInputString);
}

export function emptyHashTrace(): HashTrace {
  return { outDegree: [], inDegree: [], initialStrings: [], hashesAfterRound: [], finalInputString: '' };
}
