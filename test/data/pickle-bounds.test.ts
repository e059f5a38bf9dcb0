import { spawnSync } from 'node:child_process';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { unpickle, PyDict, type PyValue } from '../../src/data/pickle.js';
import { loadCifar10 } from '../../src/data/cifar.js';
import { referencePython } from '../helpers/python.js';
import { expectDataError, tempDir } from './fixture-helpers.js';

const opts = (file: string) => ({ source: file, hint: 'regenerate the fixture' });

/** Run inline Python with the reference interpreter; the script prints one JSON line. */
function python(script: string, ...args: string[]): any {
  const r = spawnSync(referencePython(), ['-c', script, ...args], { encoding: 'utf8' });
  if (r.status !== 0) throw new Error(`python failed: ${r.stderr.slice(-2000)}`);
  return JSON.parse(r.stdout);
}

/**
 * `x = []; x = [x, x]` `levels` times, written by hand: PROTO 4, EMPTY_LIST MEMOIZE, then per level
 * EMPTY_LIST MEMOIZE MARK BINGET(prev) BINGET(prev) APPENDS, then STOP. Eight bytes a level.
 */
function doublingPickle(levels: number): Uint8Array {
  const b = [0x80, 0x04, 0x5d, 0x94];
  for (let i = 1; i <= levels; i++) b.push(0x5d, 0x94, 0x28, 0x68, i - 1, 0x68, i - 1, 0x65);
  b.push(0x2e);
  return Uint8Array.from(b);
}

const depthOf = (v: PyValue): number => {
  let d = 0;
  while (Array.isArray(v) && v.length > 0) {
    v = v[0]!;
    d++;
  }
  return d;
};

const PY_SHAPE = `
import json, pickle, sys, time
data = bytes.fromhex(sys.argv[1])
t = time.perf_counter()
x = pickle.loads(data)
ms = (time.perf_counter() - t) * 1000
depth, shared, v = 0, True, x
while isinstance(v, list) and v:
    shared = shared and len(v) == 2 and v[0] is v[1]
    v = v[0]; depth += 1
print(json.dumps({"depth": depth, "shared": shared, "ms": ms}))
`;

describe('unpickle keeps memo-shared structures shared (bounded work)', () => {
  it('the 40-level x = [x, x] attack loads at once, shared as in Python, not expanded 2^40 times', () => {
    const attack = doublingPickle(40);
    expect(attack.length).toBeLessThan(340);
    const py = python(PY_SHAPE, Buffer.from(attack).toString('hex'));
    expect({ depth: py.depth, shared: py.shared }).toEqual({ depth: 40, shared: true });
    const t = performance.now();
    const v = unpickle(attack, opts('attack.pkl'));
    expect(performance.now() - t).toBeLessThan(1000);
    expect(depthOf(v)).toBe(40);
    let node = v;
    while (Array.isArray(node) && node.length > 0) {
      expect(node[0]).toBe(node[1]); // the same object in both places, as `is` says in Python
      node = node[0]!;
    }
  });

  it('a Python-made shared list (pickle.dumps) has the same shape here as in Python', () => {
    const made = python(`
import json, pickle
x = []
for _ in range(20):
    x = [x, x]
print(json.dumps({"hex": pickle.dumps(x, protocol=4).hex()}))
`);
    const bytes = Buffer.from(made.hex as string, 'hex');
    const py = python(PY_SHAPE, made.hex as string);
    expect({ depth: py.depth, shared: py.shared }).toEqual({ depth: 20, shared: true });
    const v = unpickle(bytes, opts('shared.pkl')) as PyValue[];
    expect(depthOf(v)).toBe(20);
    expect(v[0]).toBe(v[1]);
  });

  it('a list that contains itself (Python loads it as x[0] is x) is refused as a format error naming the file', () => {
    const made = python(`
import json, pickle
x = []
x.append(x)
y = pickle.loads(pickle.dumps(x, protocol=2))
print(json.dumps({"hex": pickle.dumps(x, protocol=2).hex(), "selfRef": y[0] is y}))
`);
    expect(made.selfRef).toBe(true);
    expectDataError(() => unpickle(Buffer.from(made.hex as string, 'hex'), opts('cycle.pkl')), 'ERR_SDARTS_DATA_FORMAT', 'cycle.pkl', 'contains itself');
  });

  it('a dict that contains itself is refused too', () => {
    // PROTO 2, EMPTY_DICT, BINPUT 0, SHORT_BINUNICODE "d", BINGET 0, SETITEM, STOP
    const bytes = Uint8Array.from([0x80, 0x02, 0x7d, 0x71, 0x00, 0x8c, 0x01, 0x64, 0x68, 0x00, 0x73, 0x2e]);
    expectDataError(() => unpickle(bytes, opts('dict-cycle.pkl')), 'ERR_SDARTS_DATA_FORMAT', 'dict-cycle.pkl', 'a dict that contains itself');
  });

  it('nesting deeper than any batch is a format error, not a stack overflow', () => {
    // PROTO 2, then 100 000 × (EMPTY_LIST), then 99 999 × APPEND, STOP: [[[...]]] 100 000 deep.
    const n = 100_000;
    const b = new Uint8Array(2 + n + (n - 1) + 1);
    b.set([0x80, 0x02]);
    b.fill(0x5d, 2, 2 + n);
    b.fill(0x61, 2 + n, 2 + n + n - 1);
    b[b.length - 1] = 0x2e;
    expectDataError(() => unpickle(b, opts('deep.pkl')), 'ERR_SDARTS_DATA_FORMAT', 'deep.pkl', 'more than 64 levels deep');
  });

  it('a shared dict keeps its identity too', () => {
    // PROTO 2, EMPTY_DICT, BINPUT 0, BINGET 0, TUPLE2, STOP → (d, d)
    const bytes = Uint8Array.from([0x80, 0x02, 0x7d, 0x71, 0x00, 0x68, 0x00, 0x86, 0x2e]);
    const v = unpickle(bytes, opts('pair.pkl')) as PyValue[];
    expect(v[0]).toBeInstanceOf(PyDict);
    expect(v[0]).toBe(v[1]);
  });

  it('a huge binary LONG4 is read in linear time', () => {
    // PROTO 2, LONG4 of 400 000 bytes (0x01 each), STOP
    const n = 400_000;
    const b = new Uint8Array(2 + 1 + 4 + n + 1);
    b.set([0x80, 0x02, 0x8b]);
    new DataView(b.buffer).setInt32(3, n, true);
    b.fill(0x01, 7, 7 + n);
    b[b.length - 1] = 0x2e;
    const t = performance.now();
    const v = unpickle(b, opts('long.pkl')) as bigint;
    expect(performance.now() - t).toBeLessThan(2000);
    expect(v & 0xffffn).toBe(0x0101n);
  });

  it('a text INT longer than Python accepts (4300 digits) is a format error', () => {
    const text = `I${'9'.repeat(5000)}\n.`;
    expectDataError(() => unpickle(Buffer.from(text, 'latin1'), opts('int.pkl')), 'ERR_SDARTS_DATA_FORMAT', 'int.pkl', '4300');
  });
});

describe('CIFAR reader on the shared-list attack', () => {
  it('says what it expected, naming the file', () => {
    const dir = tempDir('cifar10');
    const file = join(dir, 'cifar-10-batches-py', 'test_batch');
    writeFileSync(file, doublingPickle(40));
    expectDataError(() => loadCifar10(dir, 'test'), 'ERR_SDARTS_DATA_FORMAT', file, 'expected a pickled dict');
  });
});
