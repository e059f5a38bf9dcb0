/**
 * Seeded mutations for the fuzzers: byte flips, truncations, insertions, length-field edits (a 1/2/4/8-byte
 * integer overwritten with a boundary value), chunk duplication and deletion, and (for text) deep nesting.
 * Everything derives from a 32-bit seed, so an input is reproduced from (target, seed, index).
 */

/**
 * @typedef {object} Rng
 * @property {() => number} next a float in [0, 1)
 * @property {(n: number) => number} int an integer in [0, n)
 * @property {<T>(xs: readonly T[]) => T} pick an element of `xs`
 */

/**
 * mulberry32: small, fast, seedable.
 * @param {number} seed
 * @returns {Rng}
 */
export function rng(seed) {
  let a = seed >>> 0;
  const next = () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
  return {
    next,
    int: (/** @type {number} */ n) => Math.floor(next() * n),
    pick: (xs) => xs[Math.floor(next() * xs.length)],
  };
}

/**
 * The seed of input `index` of a run seeded `seed` for `target` (FNV-1a of the name, mixed).
 * @param {number} seed
 * @param {string} target
 * @param {number} index
 * @returns {number}
 */
export function inputSeed(seed, target, index) {
  let h = 0x811c9dc5 ^ seed;
  for (const c of `${target}:${index}`) h = Math.imul(h ^ c.charCodeAt(0), 0x01000193);
  return h >>> 0;
}

const BOUNDARY = [0, 1, 2, 0x7f, 0x80, 0xff, 0x100, 0x7fff, 0x8000, 0xffff, 0x10000, 0x7fffffff, 0x80000000, 0xffffffff];
const BIG = [0n, 1n, 0x7fffffffn, 0xffffffffn, 0x100000000n, 0x7fffffffffffffffn, 0xffffffffffffffffn, 0x20000000000000n];

/**
 * @param {Buffer} buf
 * @param {number} off
 * @param {number} width
 * @param {number | bigint} value a bigint when `width` is 8
 * @param {boolean} le
 */
function writeInt(buf, off, width, value, le) {
  if (off + width > buf.length) return;
  if (width === 8) {
    if (le) buf.writeBigUInt64LE(BigInt(value), off);
    else buf.writeBigUInt64BE(BigInt(value), off);
  } else {
    const v = Number(BigInt.asUintN(width * 8, BigInt(value)));
    for (let i = 0; i < width; i++) buf[off + (le ? i : width - 1 - i)] = (v / 2 ** (8 * i)) & 0xff;
  }
}

/**
 * Mutations over bytes. `hot` lists offsets worth aiming at (headers, length fields) when known.
 * @param {Uint8Array} seedBuf
 * @param {Rng} r
 * @param {number[]} [hot]
 * @returns {Buffer}
 */
export function mutateBytes(seedBuf, r, hot = []) {
  let b = Buffer.from(seedBuf);
  const rounds = 1 + r.int(r.next() < 0.7 ? 2 : 8);
  for (let k = 0; k < rounds; k++) {
    const off = () => (hot.length > 0 && r.next() < 0.4 ? Math.min(r.pick(hot), Math.max(0, b.length - 1)) : r.int(Math.max(1, b.length)));
    switch (r.int(9)) {
      case 0: // bit flip
      case 1:
        if (b.length) b[off()] ^= 1 << r.int(8);
        break;
      case 2: // random byte
        if (b.length) b[off()] = r.int(256);
        break;
      case 3: // truncation
        b = b.subarray(0, r.int(b.length + 1));
        break;
      case 4: {
        // insertion of random or repeated bytes
        const at = r.int(b.length + 1);
        const n = 1 + r.int(r.next() < 0.9 ? 16 : 4096);
        const fill = r.next() < 0.5 ? Buffer.alloc(n, r.int(256)) : Buffer.from(Array.from({ length: n }, () => r.int(256)));
        b = Buffer.concat([b.subarray(0, at), fill, b.subarray(at)]);
        break;
      }
      case 5:
      case 6: {
        // length-field edit
        const width = r.pick([1, 2, 4, 4, 8]);
        const v = width === 8 ? r.pick(BIG) : r.next() < 0.3 ? r.int(2 ** (8 * width)) : r.pick(BOUNDARY);
        writeInt(b, off(), width, v, r.next() < 0.5);
        break;
      }
      case 7: {
        // duplicate a chunk
        const s = r.int(b.length + 1);
        const e = Math.min(b.length, s + r.int(256));
        const at = r.int(b.length + 1);
        b = Buffer.concat([b.subarray(0, at), b.subarray(s, e), b.subarray(at)]);
        break;
      }
      default: {
        // delete a chunk
        const s = r.int(b.length + 1);
        b = Buffer.concat([b.subarray(0, s), b.subarray(Math.min(b.length, s + 1 + r.int(64)))]);
      }
    }
  }
  return b;
}

/**
 * Text mutations on top of byte mutations: deep nesting of brackets, token swaps, huge numbers.
 * @param {string} seedText
 * @param {Rng} r
 * @param {string[]} [opens]
 * @returns {Buffer}
 */
export function mutateText(seedText, r, opens = ['[', '{', '(']) {
  const t = seedText;
  switch (r.int(5)) {
    case 0: {
      const depth = r.pick([10, 100, 1000, 10000, 100000]);
      const o = r.pick(opens);
      const close = /** @type {Record<string, string>} */ ({ '[': ']', '{': '}', '(': ')' })[o];
      const at = r.int(t.length + 1);
      const inner =
        o === '{' ? '{"a":'.repeat(depth) + '1' + '}'.repeat(r.next() < 0.5 ? depth : 0) : o.repeat(depth) + (r.next() < 0.5 ? close.repeat(depth) : '');
      return Buffer.from(t.slice(0, at) + inner + t.slice(at));
    }
    case 1: {
      const tokens = ['1e400', '-1', 'NaN', 'null', '""', '[]', '{}', '9007199254740993', '"__proto__"', '0x10', "'", '"', ',', ':', '\\u0000'];
      const at = r.int(t.length + 1);
      return Buffer.from(t.slice(0, at) + r.pick(tokens) + t.slice(at + r.int(4)));
    }
    default:
      return mutateBytes(Buffer.from(t), r);
  }
}
