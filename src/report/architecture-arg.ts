/**
 * The argument of `sdarts genotype draw`: any form a cell comes in, resolved to an architecture of any
 * shape. Tried in order: a run directory (its final, else latest, architecture), a file (JSON of a
 * genotype, a run's genotype.json, a NAS-Bench-101 spec, or DARTS text), DARTS text or JSON inline,
 * and a library name (CNN first; recurrent with `rnn`, or when only the recurrent table has it).
 */
import { existsSync, readFileSync, statSync } from 'node:fs';
import { getGenotype, getRnnGenotype, hasGenotype, resolveGenotype, RNN_GENOTYPE_NAMES } from '../space/genotype/index.js';
import { SdartsError } from '../util/errors.js';
import { architectureOf, readRun, type Architecture } from './run-data.js';

function fromText(text: string, where: string): Architecture | null {
  const s = text.trim();
  if (s.startsWith('{')) {
    let doc: unknown;
    try {
      doc = JSON.parse(s);
    } catch (err) {
      throw new SdartsError('ERR_SDARTS_GENOTYPE_PARSE', `${where} is not valid JSON (${(err as Error).message})`, { cause: err });
    }
    const d = doc as Record<string, unknown>;
    return architectureOf(d['final'] ?? d['latest'] ?? doc);
  }
  return architectureOf(s);
}

export function resolveArchitecture(arg: string, opts: { rnn?: boolean } = {}): Architecture {
  const s = arg.trim();
  if (opts.rnn) return { kind: 'rnn', genotype: getRnnGenotype(s) };
  if (existsSync(s) && statSync(s).isDirectory()) {
    if (existsSync(`${s}/config.json`)) {
      const r = readRun(s);
      if (r.final) return r.final;
      throw new SdartsError(
        'ERR_SDARTS_GENOTYPE_NOT_FOUND',
        `${s} holds no architecture yet: a search writes one at the end of each epoch. Draw it again later.`,
      );
    }
    return { kind: 'cnn', genotype: resolveGenotype(s) }; // a folder with a genotype.json
  }
  if (existsSync(s) && statSync(s).isFile()) {
    const a = fromText(readFileSync(s, 'utf8'), `'${s}'`);
    if (a) return a;
    return { kind: 'cnn', genotype: resolveGenotype(s) }; // its messages say what is wrong with the file
  }
  if (!hasGenotype(s) && RNN_GENOTYPE_NAMES.includes(s)) return { kind: 'rnn', genotype: getRnnGenotype(s) };
  if (hasGenotype(s)) return { kind: 'cnn', genotype: getGenotype(s) };
  return fromText(s, 'the inline JSON') ?? { kind: 'cnn', genotype: resolveGenotype(s) };
}
