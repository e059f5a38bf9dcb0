import { SdartsError } from '../util/errors.js';
import { dataCorrupt, dataFormat } from './data-errors.js';

/**
 * A reader for POSIX/GNU tar streams, enough for dataset archives: regular files and directories,
 * with long names from pax (`x`) or GNU (`L`) headers. Each 512-byte header carries an octal size and
 * a checksum; data follows, padded to 512 bytes; two zero blocks end the archive. Links, devices
 * and any path that is absolute or climbs out with `..` are refused, so extracting can only ever
 * write inside the target directory.
 */

export interface TarEntry {
  /** Normalised relative path with `/` separators, no leading `./`. */
  path: string;
  type: 'file' | 'directory';
  data: Uint8Array;
}

const BLOCK = 512;

export function readTar(bytes: Uint8Array, source: string, hint: string): TarEntry[] {
  try {
    return parse(bytes, source, hint);
  } catch (err) {
    if (err instanceof SdartsError) throw err;
    throw dataCorrupt(source, `unreadable tar archive (${(err as Error).message})`, hint);
  }
}

function parse(bytes: Uint8Array, source: string, hint: string): TarEntry[] {
  const entries: TarEntry[] = [];
  let p = 0;
  let longName: string | null = null;
  let paxPath: string | null = null;
  while (p + BLOCK <= bytes.length) {
    const header = bytes.subarray(p, p + BLOCK);
    if (header.every((b) => b === 0)) break; // end-of-archive marker
    checkChecksum(header, p, source, hint);
    const size = parseSize(header.subarray(124, 136), p, source, hint);
    const type = String.fromCharCode(header[156]!);
    const start = p + BLOCK;
    if (start + size > bytes.length) throw dataCorrupt(source, `tar member at offset ${p} needs ${size} bytes but the archive ends first; the archive is truncated`, hint);
    const data = bytes.subarray(start, start + size);
    p = start + Math.ceil(size / BLOCK) * BLOCK;

    if (type === 'L') { longName = cString(data); continue; }
    if (type === 'x') { paxPath = paxRecord(data, 'path') ?? paxPath; continue; }
    if (type === 'g') continue; // global pax defaults: nothing we use

    let name = paxPath ?? longName ?? ustarName(header);
    paxPath = null;
    longName = null;
    name = safePath(name, source, hint);
    if (type === '5') entries.push({ path: name, type: 'directory', data: new Uint8Array(0) });
    else if (type === '0' || type === '\0' || type === '7') entries.push({ path: name, type: 'file', data });
    else {
      throw dataFormat(source, `tar member "${name}" is a ${type === '1' ? 'hard link' : type === '2' ? 'symbolic link' : `special entry of type '${type}'`}, which dataset archives never contain; refusing to extract`, hint);
    }
  }
  if (entries.length === 0) throw dataFormat(source, 'not a tar archive, or an empty one', hint);
  return entries;
}

function cString(b: Uint8Array): string {
  const nul = b.indexOf(0);
  return new TextDecoder('utf-8').decode(nul < 0 ? b : b.subarray(0, nul));
}

function ustarName(h: Uint8Array): string {
  const name = cString(h.subarray(0, 100));
  const isUstar = String.fromCharCode(...h.subarray(257, 262)) === 'ustar';
  const prefix = isUstar ? cString(h.subarray(345, 500)) : '';
  return prefix ? `${prefix}/${name}` : name;
}

function parseSize(field: Uint8Array, at: number, source: string, hint: string): number {
  if (field[0]! & 0x80) {
    // GNU base-256 for sizes of 8 GiB and more.
    let v = 0;
    for (let i = 1; i < field.length; i++) v = v * 256 + field[i]!;
    return v;
  }
  const text = cString(field).trim();
  if (!/^[0-7]*$/.test(text)) throw dataCorrupt(source, `tar header at offset ${at} has a malformed size field "${text}"`, hint);
  return text === '' ? 0 : Number.parseInt(text, 8);
}

function checkChecksum(h: Uint8Array, at: number, source: string, hint: string): void {
  const stored = cString(h.subarray(148, 156)).trim();
  let unsigned = 0;
  let signed = 0;
  for (let i = 0; i < BLOCK; i++) {
    const b = i >= 148 && i < 156 ? 0x20 : h[i]!;
    unsigned += b;
    signed += b > 127 ? b - 256 : b;
  }
  const want = Number.parseInt(stored, 8);
  if (!/^[0-7]+$/.test(stored) || (want !== unsigned && want !== signed)) {
    throw dataCorrupt(source, `tar header at offset ${at} fails its checksum (the archive is damaged or not a tar file)`, hint);
  }
}

/** Value of `key` in pax extended-header records `"<len> <key>=<value>\n"`. */
function paxRecord(data: Uint8Array, key: string): string | null {
  const text = new TextDecoder('utf-8').decode(data);
  let found: string | null = null;
  for (const line of text.split('\n')) {
    const m = /^\d+ ([^=]+)=(.*)$/s.exec(line);
    if (m && m[1] === key) found = m[2]!;
  }
  return found;
}

function safePath(name: string, source: string, hint: string): string {
  const parts = name.split('/').filter((s) => s !== '' && s !== '.');
  if (name.startsWith('/') || /^[A-Za-z]:/.test(name) || name.includes('\\') || parts.includes('..') || parts.length === 0) {
    throw dataFormat(source, `tar member path "${name}" would land outside the target directory; refusing to extract`, hint);
  }
  return parts.join('/');
}
