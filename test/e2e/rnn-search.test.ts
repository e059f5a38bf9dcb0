/**
 * End-to-end `sdarts rnn search` on the embedded PTB-format corpus (data/ptb-kjv/) with a tiny model: each
 * perturbation runs a few hundred steps and writes the run directory (genotype.json, alphas.json, events,
 * TensorBoard's ppl/valid, ppl/train, epsilon, lr); the searched cell trained for an epoch with `rnn train --arch
 * <run dir>` beats the untrained model's validation perplexity and `rnn test` reports it; a run killed with SIGKILL mid-epoch and resumed ends with α,
 * genotype and every step's loss bitwise equal to the uninterrupted run's.
 */
import { existsSync, mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { readEvents } from '../../src/run/events-log.js';
import { formatRnnGenotype, parseRnnGenotype, resolveRnnGenotype, rnnGenotypeFromJSON, rnnGenotypeToJSON } from '../../src/space/genotype/index.js';
import { manualSeed } from '../../src/index.js';
import { RnnModel } from '../../src/space/rnn/index.js';
import { resolvePtbCorpus } from '../../src/data/embedded.js';
import { batchify } from '../../src/data/ptb-batches.js';
import { evaluateRnnModel } from '../../src/run/rnn-eval.js';
import { runPython } from '../helpers/python.js';
import { sdarts, sdartsAsync } from './cli.js';

const B = 8,
  BPTT = 8;
const TINY = [
  '--emsize',
  '8',
  '--nhid',
  '8',
  '--nhidlast',
  '8',
  '--batch-size',
  String(B),
  '--eval-batch-size',
  String(B),
  '--bptt',
  String(BPTT),
  '--threads',
  '1',
];
const tmp = mkdtempSync(join(tmpdir(), 'sdarts-rnn-e2e-'));

function finalAlphas(dir: string): unknown {
  const a = JSON.parse(readFileSync(join(dir, 'alphas.json'), 'utf8'));
  return a.epochs[a.epochs.length - 1].alphas;
}

describe('sdarts rnn search (end to end, embedded corpus)', () => {
  for (const perturb of ['none', 'random', 'pgd_linf'] as const) {
    it(`${perturb}: a few hundred steps complete and write the run directory`, () => {
      const dir = join(tmp, `run-${perturb}`);
      const tokens = perturb === 'pgd_linf' ? 8000 : 16000;
      const r = sdarts(['rnn', 'search', ...TINY, '--limit-tokens', String(tokens), '--perturb', perturb, '--epochs', '1', '--save', dir, '--json'], 600_000);
      expect(r.stderr).toBe('');
      expect(r.status).toBe(0);
      const events = r.stdout
        .trim()
        .split('\n')
        .map((l) => JSON.parse(l));
      expect(events[0]).toMatchObject({ type: 'start', epochs: 1 });
      // rows = ⌊tokens / B⌋; a step reads bptt or ⌊bptt/2⌋ rows while i < rows − 2.
      const rows = Math.floor(tokens / B);
      const steps = events.filter((e) => e.type === 'step');
      expect(steps.length).toBeGreaterThanOrEqual(Math.ceil((rows - 2) / BPTT));
      expect(steps.length).toBeLessThanOrEqual(Math.ceil((rows - 2) / Math.floor(BPTT / 2)));
      expect(steps.length).toBeGreaterThanOrEqual(perturb === 'pgd_linf' ? 100 : 200);
      for (const s of steps) expect(Number.isFinite(s.loss)).toBe(true);
      if (perturb === 'pgd_linf') expect(steps.every((s) => typeof s.perturbAccepted === 'boolean')).toBe(true);
      const [epoch] = events.filter((e) => e.type === 'epoch');
      expect(epoch.epsilon).toBeCloseTo(0.03, 12);
      expect(epoch.validPpl).toBeCloseTo(Math.exp(epoch.validLoss), 9);
      expect(epoch.trainPpl).toBeCloseTo(Math.exp(epoch.trainLoss), 9);
      // A vocabulary of 10 000: an untrained model's perplexity is ~10 000; one epoch at lr 20 brings it far below.
      expect(epoch.validPpl).toBeLessThan(3000);
      const end = events[events.length - 1];
      expect(end).toMatchObject({ type: 'end', reason: 'completed', runDir: dir });
      const parsed = parseRnnGenotype(end.genotype);
      expect(rnnGenotypeToJSON(parsed)).toEqual(end.genotypeJSON);
      expect(parsed.recurrent).toHaveLength(8);
      for (const f of ['config.json', 'events.jsonl', 'log.txt', 'genotype.json', 'alphas.json', 'checkpoint.safetensors'])
        expect(existsSync(join(dir, f)), f).toBe(true);
      const g = JSON.parse(readFileSync(join(dir, 'genotype.json'), 'utf8'));
      expect(g.final).toEqual(end.genotypeJSON);
      const a = JSON.parse(readFileSync(join(dir, 'alphas.json'), 'utf8'));
      expect(a.epochs[0].alphas.recurrent).toHaveLength(36);
      expect(a.epochs[0].alphas.recurrent[0]).toHaveLength(5);
      expect(readFileSync(join(dir, 'log.txt'), 'utf8')).toMatch(/final genotype = Genotype\(recurrent=\[/);
      const tb = JSON.parse(runPython('scripts/fixtures/read_tensorboard.py', [dir]));
      expect(Object.keys(tb.scalars)).toEqual(expect.arrayContaining(['ppl/valid', 'ppl/train', 'epsilon', 'lr']));
      expect(tb.scalars['ppl/valid'][0].value).toBeCloseTo(epoch.validPpl, 2);
    }, 400_000);
  }

  it('the searched cell: rnn train --arch <search run dir> for 1 epoch lowers validation perplexity below the untrained model’s; rnn test reports it', () => {
    const search = join(tmp, 'run-none');
    expect(existsSync(join(search, 'genotype.json')), 'the none search above ran').toBe(true);
    const dir = join(tmp, 'train-from-search');
    const tokens = 6000;
    const r = sdarts(['rnn', 'train', ...TINY, '--arch', search, '--limit-tokens', String(tokens), '--epochs', '1', '--save', dir, '--json'], 600_000);
    expect(r.stderr).toBe('');
    expect(r.status).toBe(0);
    const events = r.stdout
      .trim()
      .split('\n')
      .map((l) => JSON.parse(l));
    const g = JSON.parse(readFileSync(join(search, 'genotype.json'), 'utf8'));
    expect(events[0].genotype).toBe(formatRnnGenotype(rnnGenotypeFromJSON(g.final)));
    const epoch = events.find((e) => e.type === 'epoch');
    // The same model untrained (the run's seed, sizes and cell), evaluated on the same validation stream.
    const corpus = resolvePtbCorpus(null);
    manualSeed(1267);
    const model = new RnnModel({ ntoken: corpus.vocab.length, ninp: 8, nhid: 8, nhidlast: 8, genotype: resolveRnnGenotype(search) });
    const valid = batchify(corpus.valid.subarray(0, tokens), B);
    const untrained = Math.exp(evaluateRnnModel(model, valid, BPTT).loss);
    valid.dispose();
    model.dispose();
    expect(untrained).toBeGreaterThan(0.9 * corpus.vocab.length);
    expect(epoch.validPpl).toBeLessThan(0.5 * untrained);
    const t = sdarts(['rnn', 'test', '--checkpoint', dir, '--json']);
    expect(t.status).toBe(0);
    const res = JSON.parse(t.stdout);
    expect(res.ppl).toBe(Math.exp(res.loss));
    expect(res.batchSize).toBe(1);
    expect(res.ppl).toBeLessThan(0.5 * untrained);
  }, 400_000);

  it('a run killed with SIGKILL mid-epoch resumes to bitwise the same α, genotype and step losses', async () => {
    const args = ['rnn', 'search', ...TINY, '--limit-tokens', '2400', '--perturb', 'random', '--epochs', '2', '--checkpoint-every', '5', '--json'];
    const ref = join(tmp, 'ref'),
      killed = join(tmp, 'killed');
    expect(sdarts([...args, '--save', ref]).status).toBe(0);
    let sawMidCheckpoint = false;
    const r = await sdartsAsync([...args, '--save', killed], (line, child) => {
      const ev = JSON.parse(line);
      if (ev.type === 'checkpoint' && ev.epoch === 1 && ev.step === 10) sawMidCheckpoint = true;
      if (ev.type === 'step' && ev.epoch === 1 && ev.step === 13) child.kill('SIGKILL');
    });
    expect(sawMidCheckpoint).toBe(true);
    expect(r.signal).toBe('SIGKILL');
    const resumed = sdarts(['rnn', 'search', '--resume', killed, '--json']);
    expect(resumed.stderr).toBe('');
    expect(resumed.status).toBe(0);
    expect(JSON.parse(resumed.stdout.split('\n')[0]!)).toMatchObject({ type: 'start', resumed: true, epoch: 1, step: 10 });
    expect(finalAlphas(killed)).toEqual(finalAlphas(ref));
    const gRef = JSON.parse(readFileSync(join(ref, 'genotype.json'), 'utf8'));
    const gKilled = JSON.parse(readFileSync(join(killed, 'genotype.json'), 'utf8'));
    expect(gKilled.final).toEqual(gRef.final);
    const steps = (d: string) =>
      readEvents(d)
        .filter((e) => e['type'] === 'step')
        .map((e) => [e['epoch'], e['step'], e['loss'], e['archLoss']]);
    expect(steps(killed)).toEqual(steps(ref));
    const epochs = (d: string) =>
      readEvents(d)
        .filter((e) => e['type'] === 'epoch')
        .map((e) => [e['validLoss'], e['trainLoss']]);
    expect(epochs(killed)).toEqual(epochs(ref));
  });

  it('bad sizes and a too-small corpus are refused before a run directory is made (exit 2)', () => {
    const dir = join(tmp, 'bad');
    const r = sdarts(['rnn', 'search', '--emsize', '8', '--nhid', '16', '--nhidlast', '8', '--limit-tokens', '100', '--save', dir]);
    expect(r.status).toBe(2);
    expect(r.stderr).toMatch(/--emsize 8, --nhid 16 and --nhidlast 8 must be equal/);
    expect(r.stderr).toMatch(/the train split has 100 tokens: at batch size 256 that is 0 rows/);
    expect(existsSync(dir)).toBe(false);
  });
});
