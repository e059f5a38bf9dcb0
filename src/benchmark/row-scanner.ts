/**
 * Allocation-free fast path for the JSON row of a NAS-Bench-101 record, working on the raw
 * payload bytes. It accepts exactly the common shape
 *   [ "<32 lowercase hex>" , <decimal integer> , "<chars>" , "<chars>" , "<base64>" ]
 * with any JSON whitespace between tokens and no backslash escapes in the strings. Anything else
 * (escapes, `108.0`, other types, uppercase hex, non-alphabet base64...) returns false, and the
 * caller falls back to `JSON.parse` + `rowFields`, which either accepts the row or explains why not.
 * The base64 field's content is only bounded here; the caller must decode it with
 * decodeBase64Into, whose strict alphabet check completes the validation of the row's shape.
 * So the fast path only decides *how* a row is parsed, never *whether* it is valid.
 *
 * Why: `JSON.parse` of a 400-byte string plus the strings it creates is most of the per-record
 * cost at 1.27 M records.
 */

export interface ScannedRow {
  /** The module hash as 4 big-endian u32 words. */
  w0: number;
  w1: number;
  w2: number;
  w3: number;
  epochs: number;
  adjStart: number;
  adjEnd: number;
  opsStart: number;
  opsEnd: number;
  b64Start: number;
  b64End: number;
}

export function emptyScannedRow(): ScannedRow {
  return { w0: 0, w1: 0, w2: 0, w3: 0, epochs: 0, adjStart: 0, adjEnd: 0, opsStart: 0, opsEnd: 0, b64Start: 0, b64End: 0 };
}

const QUOTE = 0x22;
const BACKSLASH = 0x5c;
const COMMA = 0x2c;

function skipWs(b: Uint8Array, i: number, end: number): number {
  while (i < end) {
    const c = b[i]!;
    if (c !== 0x20 && c !== 0x0a && c !== 0x0d && c !== 0x09) break;
    i++;
  }
  return i;
}

/** Value of a lowercase hex digit, or -1. */
function hexVal(c: number): number {
  if (c >= 0x30 && c <= 0x39) return c - 0x30;
  if (c >= 0x61 && c <= 0x66) return c - 0x61 + 10;
  return -1;
}

/** 8 lowercase hex digits at b[i..i+8) as a u32, or -1. */
function hexWord(b: Uint8Array, i: number): number {
  let x = 0;
  for (let k = 0; k < 8; k++) {
    const v = hexVal(b[i + k]!);
    if (v < 0) return -1;
    x = x * 16 + v;
  }
  return x;
}

/** End of a string starting after its opening quote, or -1 on escape/EOF/control character. */
function stringEnd(b: Uint8Array, i: number, end: number): number {
  while (i < end) {
    const c = b[i]!;
    if (c === QUOTE) return i;
    if (c === BACKSLASH || c < 0x20) return -1;
    i++;
  }
  return -1;
}

/** Expect `,` (after whitespace) then whitespace then `"`; return the index after the quote. */
function nextString(b: Uint8Array, i: number, end: number): number {
  i = skipWs(b, i, end);
  if (i >= end || b[i] !== COMMA) return -1;
  i = skipWs(b, i + 1, end);
  if (i >= end || b[i] !== QUOTE) return -1;
  return i + 1;
}

export function scanRow(b: Uint8Array, start: number, end: number, out: ScannedRow): boolean {
  let i = skipWs(b, start, end);
  if (i >= end || b[i] !== 0x5b) return false; // [
  i = skipWs(b, i + 1, end);
  if (i + 34 > end || b[i] !== QUOTE || b[i + 33] !== QUOTE) return false;
  const w0 = hexWord(b, i + 1);
  const w1 = hexWord(b, i + 9);
  const w2 = hexWord(b, i + 17);
  const w3 = hexWord(b, i + 25);
  if (w0 < 0 || w1 < 0 || w2 < 0 || w3 < 0) return false;
  out.w0 = w0;
  out.w1 = w1;
  out.w2 = w2;
  out.w3 = w3;
  i = skipWs(b, i + 34, end);
  if (i >= end || b[i] !== COMMA) return false;
  i = skipWs(b, i + 1, end);
  // epochs: a plain decimal integer without sign, fraction or exponent, no leading zero
  let epochs = 0;
  const digits = i;
  while (i < end && b[i]! >= 0x30 && b[i]! <= 0x39 && i - digits < 9) epochs = epochs * 10 + (b[i++]! - 0x30);
  if (i === digits || (b[digits] === 0x30 && i - digits > 1)) return false;
  if (i < end && (b[i] === 0x2e || b[i] === 0x65 || b[i] === 0x45 || (b[i]! >= 0x30 && b[i]! <= 0x39))) return false;
  out.epochs = epochs;

  i = nextString(b, i, end);
  if (i < 0) return false;
  out.adjStart = i;
  i = stringEnd(b, i, end);
  if (i < 0) return false;
  out.adjEnd = i;

  i = nextString(b, i + 1, end);
  if (i < 0) return false;
  out.opsStart = i;
  i = stringEnd(b, i, end);
  if (i < 0) return false;
  out.opsEnd = i;

  i = nextString(b, i + 1, end);
  if (i < 0) return false;
  out.b64Start = i;
  // The base64 text is the longest field. Instead of scanning it here, find its closing quote
  // from the end of the payload (`"` ws `]` ws); decodeBase64Into then rejects any character
  // outside the base64 alphabet, which includes quotes, backslashes and control characters.
  let j = end;
  while (j > i && (b[j - 1] === 0x20 || b[j - 1] === 0x0a || b[j - 1] === 0x0d || b[j - 1] === 0x09)) j--;
  if (j <= i || b[j - 1] !== 0x5d) return false; // ]
  j--;
  while (j > i && (b[j - 1] === 0x20 || b[j - 1] === 0x0a || b[j - 1] === 0x0d || b[j - 1] === 0x09)) j--;
  if (j <= i || b[j - 1] !== QUOTE) return false;
  out.b64End = j - 1;
  return true;
}

const B64 = (() => {
  const t = new Int8Array(256).fill(-1);
  const alphabet = 'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/';
  for (let k = 0; k < 64; k++) t[alphabet.charCodeAt(k)] = k;
  return t;
})();

/**
 * Strict standard base64 (`+/`, `=` padding, length a multiple of 4) from `b[start, end)` into
 * `out`; returns the decoded length, or -1 if the text is not strict base64 (caller falls back to
 * Node's lenient decoder, which is what Python's non-validating b64decode matches).
 */
export function decodeBase64Into(b: Uint8Array, start: number, end: number, out: Uint8Array): number {
  const n = end - start;
  if (n % 4 !== 0) return -1;
  let pad = 0;
  if (n > 0 && b[end - 1] === 0x3d) pad = b[end - 2] === 0x3d ? 2 : 1;
  const bytes = (n / 4) * 3 - pad;
  if (bytes > out.length) return -1;
  let o = 0;
  const full = end - (pad > 0 ? 4 : 0);
  let i = start;
  for (; i < full; i += 4) {
    const a = B64[b[i]!]!,
      c = B64[b[i + 1]!]!,
      d = B64[b[i + 2]!]!,
      e = B64[b[i + 3]!]!;
    if ((a | c | d | e) < 0) return -1;
    const x = (a << 18) | (c << 12) | (d << 6) | e;
    out[o++] = x >>> 16;
    out[o++] = (x >>> 8) & 0xff;
    out[o++] = x & 0xff;
  }
  if (pad > 0) {
    const a = B64[b[i]!]!,
      c = B64[b[i + 1]!]!;
    const d = pad === 1 ? B64[b[i + 2]!]! : 0;
    if ((a | c | d) < 0) return -1;
    const x = (a << 18) | (c << 12) | (d << 6);
    out[o++] = x >>> 16;
    if (pad === 1) out[o++] = (x >>> 8) & 0xff;
  }
  return bytes;
}
