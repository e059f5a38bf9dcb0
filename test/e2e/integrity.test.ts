/**
 * Nothing corrupt is used: a checkpoint with a flipped byte in any tensor or an edited JSON state is
 * refused by --resume and `sdarts test`, naming the damaged part; a renamed tensor or a broken
 * config.json is explained; --resume refuses flags that would change the run; what can be checked
 * is checked before a run directory is made.
 */
import { cpSync, existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { FIXTURES } from '../helpers/fixture.js';
import { readEvents } from '../../src/run/events-log.js';
import { sdarts, sdartsAsync } from './cli.js';

const tmp = mkdtempSync(join(tmpdir(), 'sdarts-integrity-'));
afterAll(() => rmSync(tmp, { recursive: true, force: true }));

const TINY_SEARCH = ['--dataset', 'fashion-mnist', '--layers', '3', '--init-channels', '4', '--batch-size', '32', '--limit-train', '64'];
const TINY_SEARCH_ALL = [...TINY_SEARCH, '--threads', '1', '--epochs', '1', '--space', 's3'];
const TINY_TRAIN = ['--dataset', 'fashion-mnist', '--layers', '3', '--init-channels', '4', '--batch-size', '32', '--limit-train', '32', '--limit-test', '32'];
const CK = 'checkpoint.safetensors';

function header(bytes: Buffer): { h: Record<string, { data_offsets: [number, number] }>; start: number; hlen: number } {
  const hlen = Number(bytes.readBigUInt64LE(0));
  return { h: JSON.parse(bytes.subarray(8, 8 + hlen).toString('utf8')), start: 8 + hlen, hlen };
}
/** Flip one byte inside tensor `name`. */
function flip(dir: string, name: string): void {
  const p = join(dir, CK);
  const b = readFileSync(p);
  const { h, start } = header(b);
  const [s, e] = h[name]!.data_offsets;
  const at = start + Math.floor((s + e) / 2);
  b[at] = b[at]! ^ 0x10;
  writeFileSync(p, b);
}
/** Replace text in the header (same length, so the file stays a valid safetensors file). */
function editHeader(dir: string, from: string, to: string): void {
  expect(to.length).toBe(from.length);
  const p = join(dir, CK);
  const b = readFileSync(p);
  const { start } = header(b);
  const text = b.subarray(0, start).toString('latin1');
  expect(text.includes(from)).toBe(true);
  writeFileSync(p, Buffer.concat([Buffer.from(text.replace(from, to), 'latin1'), b.subarray(start)]));
}
function copy(src: string, name: string): string {
  const d = join(tmp, name);
  cpSync(src, d, { recursive: true });
  return d;
}

let search = '',
  train = '';
beforeAll(() => {
  search = join(tmp, 'search');
  const r = sdarts(['search', ...TINY_SEARCH_ALL, '--save', search, '--json']);
  expect(r.stderr).toBe('');
  train = join(tmp, 'train');
  const t = sdarts(['train', ...TINY_TRAIN, '--threads', '1', '--arch', 'DARTS_V2', '--epochs', '1', '--save', train, '--json']);
  expect(t.stderr).toBe('');
}, 300_000);

describe('checkpoint checksums', () => {
  it('an intact checkpoint resumes (with the flags that cannot change the run)', () => {
    const d = copy(search, 'intact');
    const r = sdarts(['search', '--resume', d, '--json', '--threads', '1', '--report-freq', '5', '--checkpoint-every', '0']);
    expect(r.stderr).toBe('');
    expect(r.status).toBe(0);
  });
  const cases: [string, (d: string) => void, RegExp][] = [
    ['arch.0', (d) => flip(d, 'arch.0'), /tensor 'arch\.0' does not match its checksum/],
    ['a weight', (d) => flip(d, 'model.stem.0.weight'), /tensor 'model\.stem\.0\.weight'/],
    ['a momentum buffer', (d) => flip(d, 'wopt.0.momentum_buffer'), /tensor 'wopt\.0\.momentum_buffer'/],
    ['the RNG state', (d) => flip(d, 'rng.cpu'), /tensor 'rng\.cpu'/],
    [
      'globalStep in the JSON state',
      (d) => {
        const g = /\\"globalStep\\":(\d)/.exec(readFileSync(join(d, CK)).toString('latin1'))!;
        editHeader(d, g[0], g[0].replace(/\d$/, String((Number(g[1]) + 1) % 10)));
      },
      /the JSON state does not match its checksum/,
    ],
    ['a renamed tensor', (d) => editHeader(d, '"rng.cpu"', '"rng.cpv"'), /tensor 'rng\.cpv' that was not written with it/],
  ];
  for (const [what, damage, message] of cases) {
    it(`--resume refuses a checkpoint with damaged ${what}, naming the file and the damage`, () => {
      const d = copy(search, `damaged-${what.replace(/\W+/g, '_')}`);
      damage(d);
      const r = sdarts(['search', '--resume', d]);
      expect(r.status).toBe(2);
      expect(r.stderr).toMatch(message);
      expect(r.stderr).toContain(join(d, CK));
      expect(r.stderr).not.toMatch(/bug in sdarts/);
    });
  }
  it('`sdarts test` refuses a damaged train checkpoint', () => {
    const d = copy(train, 'train-damaged');
    expect(sdarts(['test', '--checkpoint', d]).status).toBe(0);
    flip(d, 'model.classifier.weight');
    const r = sdarts(['test', '--checkpoint', d]);
    expect(r.status).toBe(2);
    expect(r.stderr).toMatch(/tensor 'model\.classifier\.weight' does not match its checksum/);
  });
});

describe('checkpoint keys and config.json are checked before use', () => {
  // The legacy fixtures have no checksums (an older sdarts): the key check still applies.
  const legacy = join(FIXTURES, 'run', 'legacy', 'search');
  it('a renamed RNG tensor (rng.cpu → rng.cpv) says what is missing and unexpected', () => {
    const d = copy(legacy, 'legacy-rng');
    editHeader(d, '"rng.cpu"', '"rng.cpv"');
    const r = sdarts(['search', '--resume', d]);
    expect(r.status).toBe(2);
    expect(r.stderr).toMatch(/missing tensor rng\.cpu; unexpected tensor rng\.cpv/);
    expect(r.stderr).not.toMatch(/Cannot read properties/);
  });
  it('arch.0 → arch.9 says what is missing and unexpected', () => {
    const d = copy(legacy, 'legacy-arch');
    editHeader(d, '"arch.0"', '"arch.9"');
    const r = sdarts(['search', '--resume', d]);
    expect(r.status).toBe(2);
    expect(r.stderr).toMatch(/missing tensor arch\.0; unexpected tensor arch\.9/);
  });
  it('config.json = null, or without its settings, is refused', () => {
    const d = copy(search, 'config-null');
    writeFileSync(join(d, 'config.json'), 'null\n');
    let r = sdarts(['search', '--resume', d]);
    expect(r.status).toBe(2);
    expect(r.stderr).toMatch(/config\.json is null, not a JSON object/);
    writeFileSync(join(d, 'config.json'), JSON.stringify({ command: 'search', config: {} }));
    r = sdarts(['search', '--resume', d]);
    expect(r.status).toBe(2);
    expect(r.stderr).toMatch(/lacks the settings .*epochs/);
    writeFileSync(join(d, 'config.json'), JSON.stringify({ config: {} }));
    r = sdarts(['search', '--resume', d]);
    expect(r.status).toBe(2);
    expect(r.stderr).toMatch(/has no "command"/);
  });
});

describe('--resume and new flags', () => {
  it('refuses flags that differ from the frozen config, naming each', () => {
    const d = copy(search, 'flags');
    const r = sdarts(['search', '--resume', d, '--epochs', '10', '--perturb', 'pgd_linf']);
    expect(r.status).toBe(2);
    expect(r.stderr).toContain("--epochs 10 differs from the run's 1");
    expect(r.stderr).toContain("--perturb pgd_linf differs from the run's none");
  });
  it('accepts a flag equal to the frozen value', () => {
    const d = copy(search, 'flags-same');
    const r = sdarts(['search', '--resume', d, '--epochs', '1', '--space', 's3', '--json']);
    expect(r.stderr).toBe('');
    expect(r.status).toBe(0);
  });
});

describe('checks before the run directory is made', () => {
  it('train --auxiliary on 28×28 Fashion-MNIST fails before the run starts', () => {
    const d = join(tmp, 'aux');
    const r = sdarts(['train', ...TINY_TRAIN, '--auxiliary', '--save', d]);
    expect(r.status).toBe(2);
    expect(r.stderr).toMatch(/--auxiliary needs 32×32 images/);
    expect(existsSync(d)).toBe(false);
  });
  it('missing data and an unusable device fail before the run starts', () => {
    const d = join(tmp, 'nodata');
    let r = sdarts(['search', ...TINY_SEARCH, '--dataset', 'cifar10', '--data', join(tmp, 'nowhere'), '--save', d]);
    expect(r.status).toBe(2);
    expect(existsSync(d)).toBe(false);
    r = sdarts(['search', ...TINY_SEARCH, '--device', 'cuda:63', '--save', d]);
    expect(r.status).toBe(2);
    expect(r.stderr).toMatch(/--device cuda:63/);
    expect(existsSync(d)).toBe(false);
  });
});

describe('failures are recorded in the run directory and printed with --json', () => {
  it('--resume after the data folder was removed: `error` event on stdout and in events.jsonl, line in log.txt', () => {
    const data = join(tmp, 'data-gone');
    cpSync(join(FIXTURES, 'data', 'fashion-mnist'), data, { recursive: true });
    const d = join(tmp, 'data-gone-run');
    expect(sdarts(['search', ...TINY_SEARCH_ALL, '--data', data, '--save', d]).status).toBe(0);
    rmSync(data, { recursive: true });
    const r = sdarts(['search', '--resume', d, '--json']);
    expect(r.status).toBe(2);
    const lines = r.stdout.trimEnd().split('\n');
    expect(lines).toHaveLength(1);
    const ev = JSON.parse(lines[0]!) as { type: string; code: string; message: string };
    expect(ev).toMatchObject({ type: 'error', code: 'ERR_SDARTS_DATA_MISSING', step: null, resumable: true });
    expect(r.stderr).toBe(`sdarts: ${ev.message}\n`);
    expect(readEvents(d).at(-1)).toEqual(ev);
    expect(readFileSync(join(d, 'log.txt'), 'utf8')).toContain(`error ERR_SDARTS_DATA_MISSING: ${ev.message.split('\n')[0]}`);
  });
});

describe('a run directory serves one process at a time', () => {
  it('while a search runs, a new run with its --save and a --resume of it are refused; a killed run is resumed', async () => {
    const d = join(tmp, 'live');
    const args = ['search', ...TINY_SEARCH, '--threads', '1', '--space', 's3', '--epochs', '3', '--checkpoint-every', '0', '--save', d, '--json'];
    let other: ReturnType<typeof sdarts>[] = [];
    const first = await sdartsAsync(args, (line, child) => {
      if (other.length || (JSON.parse(line) as { type: string }).type !== 'checkpoint') return;
      // Stopped (still a live process) while the others try, so that it cannot finish meanwhile.
      child.kill('SIGSTOP');
      other = [sdarts(args), sdarts(['search', '--resume', d])];
      child.kill('SIGKILL');
    });
    expect(first.signal).toBe('SIGKILL');
    for (const r of other) {
      expect(r.status).toBe(2);
      expect(r.stderr).toMatch(/is in use by a running sdarts job \(process \d+ on this host/);
      expect(r.stderr).toContain(join(d, 'run.lock'));
    }
    // The killed run left its lock behind: its process is gone, so --resume takes it over and completes.
    expect(existsSync(join(d, 'run.lock'))).toBe(true);
    const resumed = sdarts(['search', '--resume', d, '--json']);
    expect(resumed.stderr).toBe('');
    expect(resumed.status).toBe(0);
    expect(JSON.parse(resumed.stdout.split('\n')[0]!)).toMatchObject({ type: 'start', resumed: true });
    expect(JSON.parse(resumed.stdout.trimEnd().split('\n').at(-1)!)).toMatchObject({ type: 'end', reason: 'completed', epoch: 3 });
    expect(existsSync(join(d, 'run.lock'))).toBe(false);
  });
});
