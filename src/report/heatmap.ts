/**
 * A heat map of architecture weights (softmax of α per row): rows are a cell's edges, columns its
 * candidate ops, each square shaded by its weight (over the matrix's own range) and printed with it. When the edges of a space have
 * different op lists (RobustDARTS S1), each square names its op.
 */
import { escapeXml } from '../space/draw/index.js';
import type { AlphaMatrix } from './run-data.js';

const CELL_H = 18,
  LABEL_W = 100,
  HEAD_H = 78;

/** Short op names for squares that name their op: skip_connect → skip, sep_conv_3x3 → sep3, max_pool_3x3 → max3. */
export function shortOp(op: string): string {
  if (op === 'skip_connect') return 'skip';
  const m = /^(sep|dil)_conv_(\d)x\d$|^(max|avg)_pool_(\d)x\d$/.exec(op);
  return m ? `${m[1] ?? m[3]}${m[2] ?? m[4]}` : op;
}

/** White → deep blue as t goes 0 → 1. */
function shade(t0: number): string {
  const t = Math.max(0, Math.min(1, t0));
  const mix = (a: number, b: number): number => Math.round(a + (b - a) * t);
  return `rgb(${mix(247, 8)},${mix(251, 48)},${mix(255, 107)})`;
}

export function heatmap(m: AlphaMatrix): string {
  const cols = m.rows[0]!.length;
  const CELL_W = m.cellOps ? 74 : 58;
  const top = m.colLabels ? HEAD_H : 24;
  const width = LABEL_W + cols * CELL_W + (m.colLabels ? 60 : 8); // room for the last slanted op name
  const height = top + m.rows.length * CELL_H + 8;
  // Shades span this matrix's own range: early in a search every weight is near 1/ops, and the differences are what matter.
  const all = m.rows.flat();
  const lo = Math.min(...all),
    hi = Math.max(...all);
  const t = (w: number): number => (hi > lo ? (w - lo) / (hi - lo) : 0.5);
  const out = [
    `<svg xmlns="http://www.w3.org/2000/svg" class="heatmap" data-title="${escapeXml(m.name)}" data-rows="${m.rows.length}" data-cols="${cols}" width="${width}" height="${height}" viewBox="0 0 ${width} ${height}" font-family="DejaVu Sans, Helvetica, Arial, sans-serif" font-size="10">`,
    `<text x="4" y="14" font-size="12" font-weight="bold">${escapeXml(m.name)}</text>`,
    `<text x="${width - 4}" y="14" text-anchor="end" fill="#666">shade: ${lo.toFixed(3)} … ${hi.toFixed(3)}</text>`,
  ];
  if (m.colLabels)
    m.colLabels.forEach((c, j) =>
      out.push(`<text transform="translate(${LABEL_W + j * CELL_W + CELL_W / 2 + 4} ${top - 4}) rotate(-45)" fill="#333">${escapeXml(c)}</text>`),
    );
  m.rows.forEach((row, i) => {
    const y = top + i * CELL_H;
    out.push(`<text x="${LABEL_W - 4}" y="${y + 13}" text-anchor="end" fill="#333">${escapeXml(m.rowLabels[i] ?? String(i))}</text>`);
    row.forEach((w, j) => {
      const op = m.cellOps?.[i]?.[j] ?? m.colLabels?.[j] ?? String(j);
      const x = LABEL_W + j * CELL_W;
      const text = m.cellOps ? `${shortOp(op)} ${w.toFixed(3)}` : w.toFixed(3);
      out.push(
        `<rect class="weight" x="${x}" y="${y}" width="${CELL_W - 1}" height="${CELL_H - 1}" fill="${shade(t(w))}"><title>${escapeXml(`${m.rowLabels[i] ?? i}: ${op} ${w.toFixed(4)}`)}</title></rect>`,
        `<text x="${x + CELL_W / 2}" y="${y + 12.5}" text-anchor="middle" fill="${t(w) > 0.6 ? '#fff' : '#111'}" font-size="10">${escapeXml(text)}</text>`,
      );
    });
  });
  out.push('</svg>');
  return out.join('\n');
}
