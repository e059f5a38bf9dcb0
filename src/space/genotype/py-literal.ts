/**
 * A reader for the small subset of Python expressions in which DARTS prints genotypes:
 * `Name(kw=[('op', 0), ...], kw=range(2, 6))`. It keeps the source offset of every node so callers
 * can point errors at the exact place in the user's text (a genotype pasted from a log is long and
 * usually on one line).
 *
 * Grammar: expr := int | string | name | name '(' args ')' | '[' items ']' | '(' items ')'
 *          args := (expr | name '=' expr) (',' ...)* [','] — positional before keyword, as in Python.
 * `#` comments and any whitespace (including newlines) are allowed between tokens.
 */
import { SdartsError } from '../../util/errors.js';
import type { ErrorCode } from '../../util/error-codes.js';

interface Span {
  readonly pos: number;
  readonly end: number;
}
export type PyNode = Span &
  (
    | { readonly kind: 'int'; readonly value: number }
    | { readonly kind: 'str'; readonly value: string }
    | { readonly kind: 'name'; readonly value: string }
    | { readonly kind: 'list' | 'tuple'; readonly items: readonly PyNode[] }
    | { readonly kind: 'call'; readonly callee: string; readonly args: readonly PyNode[]; readonly kwargs: readonly PyKwarg[] }
  );
export interface PyKwarg {
  readonly name: string;
  readonly namePos: number;
  readonly value: PyNode;
}
export interface PyArgs {
  readonly args: PyNode[];
  readonly kwargs: PyKwarg[];
  readonly end: number;
}

type Token = Span &
  (
    | { kind: 'int'; value: number }
    | { kind: 'str'; value: string }
    | { kind: 'name'; value: string }
    | { kind: 'punct'; value: string }
    | { kind: 'eof'; value: '' }
  );

/** Describe a token the way an error message shows it. */
function show(t: Token): string {
  if (t.kind === 'eof') return 'end of input';
  if (t.kind === 'str') return JSON.stringify(t.value);
  return `'${t.value}'`;
}

/** Deepest nesting of lists, tuples and calls accepted (a genotype needs three). */
export const MAX_GENOTYPE_NESTING = 32;

export class PyReader {
  private readonly tokens: Token[] = [];
  private i = 0;
  private depth = 0;

  /** `fn` names the public function in error messages; `code` is the error code thrown. */
  constructor(
    readonly text: string,
    readonly fn: string,
    readonly code: ErrorCode,
  ) {
    this.tokenize();
  }

  /** Throw an error pointing at `pos`: line, column and a caret under the excerpt. */
  fail(pos: number, message: string, code: ErrorCode = this.code): never {
    const before = this.text.slice(0, pos);
    const line = before.split('\n').length;
    const lineStart = before.lastIndexOf('\n') + 1;
    let lineEnd = this.text.indexOf('\n', pos);
    if (lineEnd === -1) lineEnd = this.text.length;
    const col = pos - lineStart;
    // Long one-line genotypes: show a window around the offending column.
    const from = Math.max(lineStart, pos - 40);
    const to = Math.min(lineEnd, pos + 40);
    const excerpt = (from > lineStart ? '…' : '') + this.text.slice(from, to) + (to < lineEnd ? '…' : '');
    const caret = ' '.repeat(pos - from + (from > lineStart ? 1 : 0)) + '^';
    throw new SdartsError(code, `${this.fn}(): ${message} at line ${line}, column ${col + 1}\n  ${excerpt}\n  ${caret}`);
  }

  private tokenize(): void {
    const s = this.text;
    let p = 0;
    while (p < s.length) {
      const c = s[p]!;
      if (/\s/.test(c)) {
        p++;
        continue;
      }
      if (c === '#') {
        while (p < s.length && s[p] !== '\n') p++;
        continue;
      }
      const start = p;
      if (/[0-9]/.test(c) || (c === '-' && /[0-9]/.test(s[p + 1] ?? ''))) {
        p++;
        while (p < s.length && /[0-9]/.test(s[p]!)) p++;
        if (p < s.length && /[A-Za-z_.]/.test(s[p]!)) this.fail(start, `expected an integer but found '${s.slice(start, p + 1)}'`);
        this.tokens.push({ kind: 'int', value: Number(s.slice(start, p)), pos: start, end: p });
      } else if (/[A-Za-z_]/.test(c)) {
        while (p < s.length && /[A-Za-z0-9_]/.test(s[p]!)) p++;
        this.tokens.push({ kind: 'name', value: s.slice(start, p), pos: start, end: p });
      } else if (c === "'" || c === '"') {
        let value = '';
        p++;
        for (;;) {
          if (p >= s.length || s[p] === '\n') this.fail(start, `unterminated string literal`);
          const d = s[p]!;
          if (d === c) {
            p++;
            break;
          }
          if (d === '\\' && p + 1 < s.length) {
            value += s[p + 1];
            p += 2;
            continue;
          }
          value += d;
          p++;
        }
        this.tokens.push({ kind: 'str', value, pos: start, end: p });
      } else if ('()[],='.includes(c)) {
        this.tokens.push({ kind: 'punct', value: c, pos: p, end: p + 1 });
        p++;
      } else {
        this.fail(p, `unexpected character '${c}'`);
      }
    }
    this.tokens.push({ kind: 'eof', value: '', pos: s.length, end: s.length });
  }

  peek(offset = 0): Token {
    return this.tokens[Math.min(this.i + offset, this.tokens.length - 1)]!;
  }

  private next(): Token {
    const t = this.peek();
    if (t.kind !== 'eof') this.i++;
    return t;
  }

  isPunct(value: string, offset = 0): boolean {
    const t = this.peek(offset);
    return t.kind === 'punct' && t.value === value;
  }

  expectPunct(value: string, context: string): Token {
    const t = this.next();
    if (t.kind !== 'punct' || t.value !== value) this.fail(t.pos, `expected '${value}' ${context} but found ${show(t)}`);
    return t;
  }

  expectEnd(context: string): void {
    const t = this.peek();
    if (t.kind !== 'eof') this.fail(t.pos, `expected end of input ${context} but found ${show(t)}`);
  }

  /** One expression; nesting is bounded so that deep input is an error, not a stack overflow. */
  expr(): PyNode {
    const t = this.next();
    if (this.depth >= MAX_GENOTYPE_NESTING && (t.kind === 'punct' || (t.kind === 'name' && this.isPunct('(')))) {
      this.fail(t.pos, `nesting deeper than ${MAX_GENOTYPE_NESTING} levels`);
    }
    this.depth++;
    try {
      return this.exprAfter(t);
    } finally {
      this.depth--;
    }
  }

  private exprAfter(t: Token): PyNode {
    switch (t.kind) {
      case 'int':
      case 'str':
        return t;
      case 'name':
        if (this.isPunct('(')) {
          this.next();
          const a = this.args(')');
          return { kind: 'call', callee: t.value, args: a.args, kwargs: a.kwargs, pos: t.pos, end: a.end };
        }
        return t;
      case 'punct':
        if (t.value === '[' || t.value === '(') {
          const close = t.value === '[' ? ']' : ')';
          const items: PyNode[] = [];
          while (!this.isPunct(close)) {
            items.push(this.expr());
            if (this.isPunct(',')) this.next();
            else if (!this.isPunct(close)) this.fail(this.peek().pos, `expected ',' or '${close}' but found ${show(this.peek())}`);
          }
          const end = this.next().end;
          return { kind: t.value === '[' ? 'list' : 'tuple', items, pos: t.pos, end };
        }
        return this.fail(t.pos, `expected a value but found ${show(t)}`);
      case 'eof':
        return this.fail(t.pos, `expected a value but found end of input`);
    }
  }

  /**
   * Call arguments up to `closer` (`')'`, consumed) or, with `closer === null`, to end of input.
   * Positional arguments must come before keyword arguments, as in Python.
   */
  args(closer: ')' | null): PyArgs {
    const args: PyNode[] = [];
    const kwargs: PyKwarg[] = [];
    const atClose = (): boolean => (closer === null ? this.peek().kind === 'eof' : this.isPunct(closer));
    while (!atClose()) {
      const t = this.peek();
      if (t.kind === 'name' && this.isPunct('=', 1)) {
        this.next();
        this.next();
        kwargs.push({ name: t.value, namePos: t.pos, value: this.expr() });
      } else {
        if (kwargs.length > 0) this.fail(t.pos, `positional argument follows keyword argument`);
        args.push(this.expr());
      }
      if (this.isPunct(',')) this.next();
      else if (!atClose()) {
        const want = closer === null ? `',' or end of input` : `',' or '${closer}'`;
        this.fail(this.peek().pos, `expected ${want} but found ${show(this.peek())}`);
      }
    }
    const end = closer === null ? this.peek().pos : this.next().end;
    return { args, kwargs, end };
  }
}

/** A node's kind in words, for "expected X but found Y" messages. */
export function nodeKind(n: PyNode): string {
  switch (n.kind) {
    case 'int':
      return `integer ${n.value}`;
    case 'str':
      return `string ${JSON.stringify(n.value)}`;
    case 'name':
      return `name '${n.value}'`;
    case 'list':
      return `a list of ${n.items.length}`;
    case 'tuple':
      return `a tuple of ${n.items.length}`;
    case 'call':
      return `a call to ${n.callee}()`;
  }
}

/** A path into a parsed value: `['normal', 3, 1]` is written `normal[3][1]`. */
export type ValuePath = readonly (string | number)[];

export function formatPath(path: ValuePath): string {
  return path.map((p, i) => (typeof p === 'number' ? `[${p}]` : i === 0 ? p : `.${p}`)).join('');
}

/** Result of reading `TypeName(field=value, ...)`: plain values plus where each came from. */
export interface NamedTupleText {
  readonly reader: PyReader;
  /** Field name → plain value (numbers, strings, arrays; `range(a, b)` expanded to an array). */
  readonly values: Readonly<Record<string, unknown>>;
  /** Source offset of the value at `path`, or of its nearest enclosing value. */
  positionOf(path: ValuePath): number;
}

/**
 * Read a namedtuple as Python prints it. Accepted shapes: `TypeName(...)`, `(...)` with keyword
 * arguments, or the bare argument list. Positional arguments fill `fields` in order.
 * Structural problems (missing, unknown or repeated field) throw `parseCode` with the position;
 * checking the values themselves is the caller's job (see `positionOf`).
 */
export function parseNamedTuple(text: string, fn: string, typeName: string, fields: readonly string[], parseCode: ErrorCode): NamedTupleText {
  const r = new PyReader(text, fn, parseCode);
  let args: PyArgs;
  const first = r.peek();
  if (first.kind === 'name' && r.isPunct('(', 1)) {
    if (first.value !== typeName) r.fail(first.pos, `expected '${typeName}(' but found '${first.value}('`);
    const call = r.expr();
    if (call.kind !== 'call') return r.fail(first.pos, `expected '${typeName}('`);
    r.expectEnd(`after ${typeName}(...)`);
    args = { args: [...call.args], kwargs: [...call.kwargs], end: call.end - 1 };
  } else if (r.isPunct('(') && r.peek(1).kind === 'name' && r.isPunct('=', 2)) {
    r.expectPunct('(', 'to open the argument list');
    args = r.args(')');
    r.expectEnd(`after the closing ')'`);
    args = { ...args, end: args.end - 1 };
  } else {
    args = r.args(null);
  }

  const positions = new Map<string, number>();
  const values: Record<string, unknown> = {};
  const convert = (node: PyNode, path: (string | number)[]): unknown => {
    positions.set(formatPath(path), node.pos);
    switch (node.kind) {
      case 'int':
      case 'str':
        return node.value;
      case 'list':
      case 'tuple':
        return node.items.map((item, i) => convert(item, [...path, i]));
      case 'call': {
        if (node.callee !== 'range') return r.fail(node.pos, `unsupported call ${node.callee}(); only range(start, stop) or a list is accepted here`);
        if (node.kwargs.length > 0) return r.fail(node.kwargs[0]!.namePos, `range() takes no keyword arguments`);
        const bounds = node.args.map((a) => (a.kind === 'int' ? a.value : r.fail(a.pos, `expected an integer argument to range() but found ${nodeKind(a)}`)));
        if (bounds.length < 1 || bounds.length > 2) return r.fail(node.pos, `expected range(stop) or range(start, stop) but found ${bounds.length} arguments`);
        const [start, stop] = bounds.length === 1 ? [0, bounds[0]!] : [bounds[0]!, bounds[1]!];
        if (stop - start > 1000) return r.fail(node.pos, `range(${start}, ${stop}) is implausibly long for a cell`);
        return Array.from({ length: Math.max(0, stop - start) }, (_, i) => start + i);
      }
      case 'name':
        return r.fail(node.pos, `unexpected name '${node.value}'; expected a number, a quoted string, a list or range()`);
    }
  };
  args.args.forEach((node, i) => {
    if (i >= fields.length) r.fail(node.pos, `too many positional arguments: ${typeName} has ${fields.length} fields (${fields.join(', ')})`);
    values[fields[i]!] = convert(node, [fields[i]!]);
  });
  for (const kw of args.kwargs) {
    if (!fields.includes(kw.name)) r.fail(kw.namePos, `unknown field '${kw.name}'; ${typeName} has fields ${fields.join(', ')}`);
    if (kw.name in values) r.fail(kw.namePos, `field '${kw.name}' given more than once`);
    values[kw.name] = convert(kw.value, [kw.name]);
  }
  for (const f of fields) {
    if (!(f in values)) r.fail(args.end, `missing field '${f}' (${typeName} needs ${fields.join(', ')})`);
  }
  const positionOf = (path: ValuePath): number => {
    for (let n = path.length; n > 0; n--) {
      const pos = positions.get(formatPath(path.slice(0, n)));
      if (pos !== undefined) return pos;
    }
    return 0;
  };
  return { reader: r, values, positionOf };
}
