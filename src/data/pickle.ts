import { SdartsError } from '../util/errors.js';
import { PyInternal, PyGlobal, PyDtype, PendingArray, bytesOf, fromBuffer, scalarOf, textOf, type NdArray } from './pickle-numpy.js';

/**
 * A minimal, safe reader for Python pickles (protocols 0–5 as far as data goes) that knows only what
 * dataset batches contain: dicts, lists, tuples, ints, floats, str/bytes and numpy arrays. Python's
 * pickle is a little stack machine whose GLOBAL/REDUCE opcodes would import and call arbitrary code;
 * here every global must be on a short allow-list of numpy/codec reconstructors that we re-implement
 * as pure data transforms, so nothing is ever executed. Anything else is refused with a clear error.
 */

export type PyValue = null | boolean | number | bigint | string | Uint8Array | PyValue[] | PyDict | NdArray | PyInternal;

/** A Python dict. Keys may be `str` or Python-2 byte strings; `get` matches both by name. */
export class PyDict {
  readonly entries: Array<[PyValue, PyValue]> = [];
  private readonly index = new Map<string, number>();

  set(key: PyValue, value: PyValue): void {
    const k = keyId(key, this.entries.length);
    const at = this.index.get(k);
    if (at !== undefined) this.entries[at]![1] = value;
    else {
      this.index.set(k, this.entries.length);
      this.entries.push([key, value]);
    }
  }
  get(name: string): PyValue | undefined {
    const at = this.index.get(`s:${name}`) ?? this.index.get(`b:${name}`);
    return at === undefined ? undefined : this.entries[at]![1];
  }
  keyNames(): string[] {
    return this.entries.map(([k]) => (typeof k === 'string' ? k : k instanceof Uint8Array ? latin1(k) : String(k)));
  }
}

function keyId(key: PyValue, fallback: number): string {
  if (typeof key === 'string') return `s:${key}`;
  if (key instanceof Uint8Array) return `b:${latin1(key)}`;
  if (typeof key === 'number' || typeof key === 'bigint' || typeof key === 'boolean') return `n:${Number(key)}`;
  return `o:${fallback}`;
}

export function latin1(b: Uint8Array): string {
  let s = '';
  for (let i = 0; i < b.length; i += 8192) s += String.fromCharCode(...b.subarray(i, i + 8192));
  return s;
}

export interface UnpickleOptions {
  /** The file the bytes came from, for messages. */
  source: string;
  /** What the user should do when the file is bad, e.g. the download command. */
  hint: string;
}

type Call = (args: PyValue[], fail: (d: string) => Error) => PyValue;

/** The only globals a pickle may name, each a pure data transform. */
const CALLABLES: Record<string, Call | null> = {
  'numpy.ndarray': null, // only ever an argument of _reconstruct
  'numpy.dtype': (args, fail) => {
    const code = textOf(args[0]);
    if (code === null) throw fail('numpy.dtype called without a type code');
    return new PyDtype(code);
  },
  'numpy.core.multiarray._reconstruct': reconstruct,
  'numpy._core.multiarray._reconstruct': reconstruct,
  'numpy.core.numeric._frombuffer': (args, fail) => fromBuffer(args, fail),
  'numpy._core.numeric._frombuffer': (args, fail) => fromBuffer(args, fail),
  'numpy.core.multiarray.scalar': (args, fail) => scalarOf(args, fail),
  'numpy._core.multiarray.scalar': (args, fail) => scalarOf(args, fail),
  // Python 3 writes bytes as _codecs.encode(text, 'latin1') under protocols < 3.
  '_codecs.encode': (args, fail) => {
    const enc = typeof args[1] === 'string' ? args[1].toLowerCase().replace('_', '-') : '';
    if (typeof args[0] !== 'string' || (enc !== 'latin1' && enc !== 'latin-1')) throw fail('_codecs.encode used with something other than latin-1 text');
    return bytesOf(args[0]) ?? failWith(fail, '_codecs.encode text has characters above U+00FF');
  },
  '__builtin__.bytes': emptyOrCopy,
  'builtins.bytes': emptyOrCopy,
  '__builtin__.bytearray': emptyOrCopy,
  'builtins.bytearray': emptyOrCopy,
};

function failWith(fail: (d: string) => Error, d: string): never {
  throw fail(d);
}

function reconstruct(args: PyValue[], fail: (d: string) => Error): PyValue {
  const cls = args[0];
  if (!(cls instanceof PyGlobal) || cls.describe() !== 'numpy.ndarray') throw fail('_reconstruct is only supported for numpy.ndarray');
  return new PendingArray();
}

function emptyOrCopy(args: PyValue[], fail: (d: string) => Error): PyValue {
  if (args.length === 0) return new Uint8Array(0);
  return bytesOf(args[0]) ?? failWith(fail, 'bytes() called with something other than bytes');
}

const MARK = Symbol('mark');
/** Deepest container nesting accepted; dataset batches nest two or three levels. */
const MAX_NESTING = 64;
const MAX_DECIMAL_DIGITS = 4300;
const OPENING_OPCODES = new Set(Array.from('(}])NILFSVcKJMGUTXBC', (c) => c.charCodeAt(0)));

/** Python's raw-unicode-escape: latin-1 text in which only \uXXXX and \UXXXXXXXX are escapes. */
function rawUnicodeEscape(text: string): string {
  return text.replace(/\\u([0-9a-fA-F]{4})|\\U([0-9a-fA-F]{8})/g, (_m, u: string | undefined, U: string | undefined) => String.fromCodePoint(Number.parseInt(u ?? U!, 16)));
}

/** Python 2 `repr()` of a byte string, as protocol 0's STRING opcode writes it: '...' or "..." with escapes. */
function parseQuoted(text: string, fail: (d: string) => Error): Uint8Array {
  const q = text[0];
  if (text.length < 2 || (q !== "'" && q !== '"') || text[text.length - 1] !== q) throw fail('malformed quoted string in a protocol-0 pickle');
  const body = text.slice(1, -1);
  const out: number[] = [];
  const simple: Record<string, number> = { n: 10, t: 9, r: 13, '\\': 92, "'": 39, '"': 34, a: 7, b: 8, f: 12, v: 11 };
  for (let i = 0; i < body.length; i++) {
    const c = body[i]!;
    if (c !== '\\') { out.push(c.charCodeAt(0) & 0xff); continue; }
    const e = body[++i] ?? '';
    if (e in simple) out.push(simple[e]!);
    else if (e === 'x') { out.push(Number.parseInt(body.slice(i + 1, i + 3), 16)); i += 2; }
    else if (/[0-7]/.test(e)) {
      const m = /^[0-7]{1,3}/.exec(body.slice(i, i + 3))![0];
      out.push(Number.parseInt(m, 8) & 0xff);
      i += m.length - 1;
    } else { out.push(92, e.charCodeAt(0) & 0xff); }
  }
  if (out.some((b) => Number.isNaN(b))) throw fail('malformed escape in a protocol-0 pickle string');
  return Uint8Array.from(out);
}

/** Parse one pickle. Throws ERR_SDARTS_DATA_FORMAT for foreign content, ERR_SDARTS_DATA_CORRUPT for damage. */
export function unpickle(bytes: Uint8Array, opts: UnpickleOptions): PyValue {
  try {
    return run(bytes, opts);
  } catch (err) {
    if (err instanceof SdartsError) throw err;
    // Whatever slipped past the explicit checks (a malformed number, an absurd length) is damage too.
    throw new SdartsError('ERR_SDARTS_DATA_CORRUPT', `Dataset file is damaged: ${opts.source}: unreadable pickle (${(err as Error).message}). To fix: ${opts.hint}.`, { cause: err });
  }
}

function run(bytes: Uint8Array, opts: UnpickleOptions): PyValue {
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  const end = bytes.length;
  const stack: Array<PyValue | typeof MARK> = [];
  const memo = new Map<number, PyValue>();
  let p = 0;

  const format = (d: string) => new SdartsError('ERR_SDARTS_DATA_FORMAT', `Dataset file has an unexpected format: ${opts.source}: ${d}. To fix: ${opts.hint}.`);
  const corrupt = (d: string) => new SdartsError('ERR_SDARTS_DATA_CORRUPT', `Dataset file is damaged: ${opts.source}: ${d}. To fix: ${opts.hint}.`);
  const need = (n: number) => {
    if (n < 0 || p + n > end) throw corrupt(`pickle ends early (needed ${n} more bytes at offset ${p}, file has ${end}); the file is truncated`);
  };
  const take = (n: number) => { need(n); const b = bytes.subarray(p, p + n); p += n; return b; };
  const u8 = () => { need(1); return bytes[p++]!; };
  const u16 = () => { need(2); const v = view.getUint16(p, true); p += 2; return v; };
  const i32 = () => { need(4); const v = view.getInt32(p, true); p += 4; return v; };
  const u32 = () => { need(4); const v = view.getUint32(p, true); p += 4; return v; };
  const u64 = () => {
    need(8);
    const v = view.getBigUint64(p, true);
    p += 8;
    if (v > BigInt(end)) throw corrupt(`length ${v} at offset ${p - 8} runs past the end of the file`);
    return Number(v);
  };
  const line = () => {
    const nl = bytes.indexOf(0x0a, p);
    if (nl < 0) throw corrupt('pickle ends inside a text line; the file is truncated');
    const s = latin1(bytes.subarray(p, nl));
    p = nl + 1;
    return s;
  };
  const utf8 = (b: Uint8Array) => new TextDecoder('utf-8').decode(b);
  const pop = (): PyValue => {
    const v = stack.pop();
    if (v === undefined || v === MARK) throw corrupt(`pickle stack underflow at offset ${p - 1}`);
    return v;
  };
  const top = (): PyValue => {
    const v = stack[stack.length - 1];
    if (v === undefined || v === MARK) throw corrupt(`pickle stack underflow at offset ${p - 1}`);
    return v;
  };
  const popMark = (): PyValue[] => {
    const at = stack.lastIndexOf(MARK);
    if (at < 0) throw corrupt(`pickle has no MARK for the opcode at offset ${p - 1}`);
    const items = stack.splice(at) as PyValue[];
    items.shift();
    return items;
  };
  const memoGet = (i: number): PyValue => {
    const v = memo.get(i);
    if (v === undefined) throw corrupt(`pickle refers to memo entry ${i}, which was never stored`);
    return v;
  };
  const tuple = (items: PyValue[]): PyValue => Object.freeze(items) as PyValue[];
  const global = (module: string, name: string): PyValue => {
    const key = `${module}.${name}`;
    if (!Object.hasOwn(CALLABLES, key)) {
      throw format(`the pickle refers to the Python object ${key}, which this reader refuses (only the dicts, lists and numpy arrays of dataset batches are supported, and nothing in a pickle is ever executed)`);
    }
    return new PyGlobal(module, name);
  };
  const setItems = (dict: PyValue, items: PyValue[]) => {
    if (!(dict instanceof PyDict)) throw format('SETITEM on something that is not a dict');
    if (items.length % 2 !== 0) throw corrupt('SETITEMS with an odd number of items');
    for (let i = 0; i < items.length; i += 2) dict.set(items[i]!, items[i + 1]!);
  };
  const appendTo = (list: PyValue, items: PyValue[]) => {
    if (!Array.isArray(list) || Object.isFrozen(list)) throw format('APPEND on something that is not a list');
    for (const it of items) list.push(it);
  };
  const decimal = (s: string): bigint => {
    if (!/^[-+]?\d+$/.test(s.trim())) throw corrupt(`malformed integer "${s.slice(0, 40)}" in a text pickle line`);
    // Decimal conversion is quadratic; Python itself refuses integer text past 4300 digits.
    if (s.trim().length > MAX_DECIMAL_DIGITS + 1) throw format(`a text integer of ${s.trim().length} digits is longer than the ${MAX_DECIMAL_DIGITS} Python accepts`);
    return BigInt(s.trim());
  };
  const int = (v: bigint): number | bigint => (v >= BigInt(Number.MIN_SAFE_INTEGER) && v <= BigInt(Number.MAX_SAFE_INTEGER) ? Number(v) : v);
  const long = (b: Uint8Array): number | bigint => {
    // Through hex text: linear in the length, where shifting byte by byte would be quadratic.
    let hexText = '';
    for (let i = b.length - 1; i >= 0; i--) hexText += b[i]!.toString(16).padStart(2, '0');
    let v = b.length === 0 ? 0n : BigInt(`0x${hexText}`);
    if (b.length > 0 && b[b.length - 1]! & 0x80) v -= 1n << BigInt(8 * b.length);
    return int(v);
  };

  // Pickles of protocol 2+ open with PROTO (0x80); older ones with a container or value opcode.
  if (end > 0 && bytes[0] !== 0x80 && !OPENING_OPCODES.has(bytes[0]!)) {
    throw format(`does not start like a Python pickle (first byte 0x${bytes[0]!.toString(16).padStart(2, '0')}); is this a Python pickle at all?`);
  }

  for (;;) {
    const at = p;
    const op = u8();
    switch (op) {
      case 0x80: { // PROTO
        const proto = u8();
        if (proto > 5) throw format(`pickle protocol ${proto} is newer than the supported 0–5`);
        break;
      }
      case 0x95: u64(); break; // FRAME: framing only, the opcodes inside are read as usual
      case 0x2e: { // STOP
        const result = pop();
        return finish(result);
      }
      case 0x28: stack.push(MARK); break; // MARK
      case 0x30: pop(); break; // POP
      case 0x31: popMark(); break; // POP_MARK
      case 0x32: stack.push(top()); break; // DUP
      case 0x4e: stack.push(null); break; // NONE
      case 0x88: stack.push(true); break; // NEWTRUE
      case 0x89: stack.push(false); break; // NEWFALSE
      case 0x4b: stack.push(u8()); break; // BININT1
      case 0x4d: stack.push(u16()); break; // BININT2
      case 0x4a: stack.push(i32()); break; // BININT
      case 0x8a: stack.push(long(take(u8()))); break; // LONG1
      case 0x8b: { const n = i32(); stack.push(long(take(n))); break; } // LONG4
      case 0x49: { // INT (text); protocol 0 spells booleans I01 / I00
        const s = line();
        stack.push(s === '01' ? true : s === '00' ? false : int(decimal(s)));
        break;
      }
      case 0x4c: stack.push(int(decimal(line().replace(/L$/, '')))); break; // LONG (text)
      case 0x46: stack.push(Number.parseFloat(line())); break; // FLOAT (text)
      case 0x47: { need(8); stack.push(view.getFloat64(p, false)); p += 8; break; } // BINFLOAT (big-endian)
      case 0x53: stack.push(parseQuoted(line(), corrupt)); break; // STRING (protocol 0, Python 2 str)
      case 0x56: stack.push(rawUnicodeEscape(line())); break; // UNICODE (protocol 0 str)
      case 0x55: stack.push(take(u8())); break; // SHORT_BINSTRING (Python 2 str: raw bytes)
      case 0x54: { const n = i32(); stack.push(take(n)); break; } // BINSTRING
      case 0x43: stack.push(take(u8())); break; // SHORT_BINBYTES
      case 0x42: stack.push(take(u32())); break; // BINBYTES
      case 0x8e: stack.push(take(u64())); break; // BINBYTES8
      case 0x96: stack.push(take(u64()).slice()); break; // BYTEARRAY8 (a mutable copy)
      case 0x8c: stack.push(utf8(take(u8()))); break; // SHORT_BINUNICODE
      case 0x58: stack.push(utf8(take(u32()))); break; // BINUNICODE
      case 0x8d: stack.push(utf8(take(u64()))); break; // BINUNICODE8
      case 0x29: stack.push(tuple([])); break; // EMPTY_TUPLE
      case 0x85: stack.push(tuple([pop()])); break; // TUPLE1
      case 0x86: { const b = pop(); const a = pop(); stack.push(tuple([a, b])); break; } // TUPLE2
      case 0x87: { const c = pop(); const b = pop(); const a = pop(); stack.push(tuple([a, b, c])); break; } // TUPLE3
      case 0x74: stack.push(tuple(popMark())); break; // TUPLE
      case 0x5d: stack.push([]); break; // EMPTY_LIST
      case 0x6c: stack.push(popMark()); break; // LIST
      case 0x61: { const v = pop(); appendTo(top(), [v]); break; } // APPEND
      case 0x65: { const items = popMark(); appendTo(top(), items); break; } // APPENDS
      case 0x7d: stack.push(new PyDict()); break; // EMPTY_DICT
      case 0x64: { const d = new PyDict(); setItems(d, popMark()); stack.push(d); break; } // DICT
      case 0x73: { const v = pop(); const k = pop(); setItems(top(), [k, v]); break; } // SETITEM
      case 0x75: { const items = popMark(); setItems(top(), items); break; } // SETITEMS
      case 0x70: memo.set(Number.parseInt(line(), 10), top()); break; // PUT
      case 0x71: memo.set(u8(), top()); break; // BINPUT
      case 0x72: memo.set(u32(), top()); break; // LONG_BINPUT
      case 0x94: memo.set(memo.size, top()); break; // MEMOIZE
      case 0x67: stack.push(memoGet(Number.parseInt(line(), 10))); break; // GET
      case 0x68: stack.push(memoGet(u8())); break; // BINGET
      case 0x6a: stack.push(memoGet(u32())); break; // LONG_BINGET
      case 0x63: { const module = line(); stack.push(global(module, line())); break; } // GLOBAL
      case 0x93: { // STACK_GLOBAL
        const name = pop();
        const module = pop();
        if (typeof module !== 'string' || typeof name !== 'string') throw corrupt('STACK_GLOBAL without module and name strings');
        stack.push(global(module, name));
        break;
      }
      case 0x52: { // REDUCE: call an allow-listed reconstructor with a tuple of data
        const args = pop();
        const fn = pop();
        const call = fn instanceof PyGlobal ? CALLABLES[fn.describe()] : undefined;
        if (!call || !Array.isArray(args)) throw format(`the pickle calls ${fn instanceof PyGlobal ? fn.describe() : 'a non-global'}, which this reader refuses`);
        stack.push(call(args, format));
        break;
      }
      case 0x62: { // BUILD: __setstate__ on an object we created
        const state = pop();
        const obj = top();
        if (!(obj instanceof PendingArray || obj instanceof PyDtype)) throw format(`the pickle sets the state of ${describeValue(obj)}, which this reader refuses`);
        obj.setState(state, format);
        break;
      }
      case 0x98: break; // READONLY_BUFFER: only flips a flag on an in-band buffer
      case 0x97: throw format('the pickle uses out-of-band buffers (NEXT_BUFFER), which a file cannot carry');
      case 0x50: case 0x51: throw format('the pickle uses persistent ids, which this reader refuses');
      case 0x81: case 0x92: case 0x69: case 0x6f:
        throw format(`the pickle instantiates a Python class (opcode 0x${op.toString(16)} at offset ${at}), which this reader refuses`);
      case 0x82: case 0x83: case 0x84: throw format('the pickle uses the copyreg extension registry, which this reader refuses');
      default:
        throw format(`byte 0x${op.toString(16).padStart(2, '0')} at offset ${at} is not a supported pickle opcode (is this a Python pickle at all?)`);
    }
  }

  /**
   * Replace arrays still wrapped in PendingArray by their plain NdArray, everywhere. Each container is
   * converted once and every place that referred to it gets the same converted object, as in Python,
   * so a structure shared through the memo (`x = [x, x]` forty times over) costs its size, not 2^40.
   * A container that contains itself, or nesting deeper than any dataset batch has, is refused.
   */
  function finish(root: PyValue): PyValue {
    const done = new Map<object, PyValue>();
    const open = new Set<object>();
    const walk = (v: PyValue, depth: number): PyValue => {
      if (v instanceof PendingArray) {
        if (!v.result) throw format('a numpy array was created but its data never set');
        return v.result;
      }
      if (!Array.isArray(v) && !(v instanceof PyDict)) return v;
      const seen = done.get(v);
      if (seen !== undefined) return seen;
      if (open.has(v)) throw format(`the pickle holds ${describeValue(v)} that contains itself (a cyclic structure), which a dataset batch never has`);
      if (depth >= MAX_NESTING) throw format(`the pickle nests containers more than ${MAX_NESTING} levels deep, which a dataset batch never does`);
      open.add(v);
      let out: PyValue;
      if (Array.isArray(v)) {
        const mapped = v.map((x) => walk(x, depth + 1));
        out = Object.isFrozen(v) ? (Object.freeze(mapped) as PyValue[]) : mapped;
      } else {
        const d = new PyDict();
        for (const [k, val] of v.entries) d.set(walk(k, depth + 1), walk(val, depth + 1));
        out = d;
      }
      open.delete(v);
      done.set(v, out);
      return out;
    };
    return walk(root, 0);
  }
}

function describeValue(v: PyValue): string {
  if (v instanceof PyInternal) return v.describe();
  if (v instanceof PyDict) return 'a dict';
  if (Array.isArray(v)) return Object.isFrozen(v) ? 'a tuple' : 'a list';
  return typeof v;
}
