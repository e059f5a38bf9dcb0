/**
 * The library search path (DT_RPATH / DT_RUNPATH) baked into an ELF64 little-endian shared object —
 * where the addon looks for LibTorch when no build record (build/libtorch.json) says it. Reads the
 * section headers, the dynamic section and its string table; null for anything else (another OS, a
 * damaged file).
 */
import { readFileSync } from 'node:fs';

export function elfRunPath(path: string): string | null {
  let b: Buffer;
  try {
    b = readFileSync(path);
  } catch {
    return null;
  }
  if (b.length < 64 || b.readUInt32BE(0) !== 0x7f454c46 || b[4] !== 2 || b[5] !== 1) return null;
  const shoff = Number(b.readBigUInt64LE(0x28));
  const shentsize = b.readUInt16LE(0x3a),
    shnum = b.readUInt16LE(0x3c);
  if (shoff <= 0 || shoff + shnum * shentsize > b.length) return null;
  const section = (i: number) => {
    const o = shoff + i * shentsize;
    return {
      type: b.readUInt32LE(o + 4),
      offset: Number(b.readBigUInt64LE(o + 0x18)),
      size: Number(b.readBigUInt64LE(o + 0x20)),
      link: b.readUInt32LE(o + 0x28),
    };
  };
  for (let i = 0; i < shnum; i++) {
    const s = section(i);
    if (s.type !== 6 /* SHT_DYNAMIC */) continue;
    const str = section(s.link);
    for (let o = s.offset; o + 16 <= s.offset + s.size && o + 16 <= b.length; o += 16) {
      const tag = Number(b.readBigInt64LE(o));
      if (tag === 15 /* DT_RPATH */ || tag === 29 /* DT_RUNPATH */) {
        const start = str.offset + Number(b.readBigUInt64LE(o + 8));
        const end = b.indexOf(0, start);
        return end > start ? b.toString('utf8', start, end) : null;
      }
      if (tag === 0) break;
    }
  }
  return null;
}
