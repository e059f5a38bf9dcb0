/**
 * Cells as one standalone SVG document (no script, no external font or style: it renders the same in a
 * browser, a notebook and a rasteriser). Cells stack top to bottom, each under its title. Nodes are
 * `<g class="node">` (a rect and its label), edges `<g class="edge">` (a path, and a label when the edge
 * has an op), with `data-` attributes naming them so that tests and scripts can read the picture back.
 */
import type { CellGraph, NodeKind } from './cell-graph.js';
import { PARAMETER_FREE_OPS } from './cell-graph.js';
import { EDGE_FONT_SIZE, FONT_SIZE, layoutGraph, textWidth, type Layout } from './layout.js';

const FILL: Record<NodeKind, string> = { input: '#d9ead3', node: '#dae8fc', output: '#fff2cc' };
const STROKE: Record<NodeKind, string> = { input: '#6aa84f', node: '#6c8ebf', output: '#d6b656' };
const FONT = 'DejaVu Sans, Helvetica, Arial, sans-serif';

/** Edge colours by op family; parameter-free ops are drawn dashed. */
export function opColour(op: string): string {
  if (op === '') return '#555555';
  if (op.startsWith('sep_conv') || op.startsWith('conv')) return '#1f77b4';
  if (op.startsWith('dil_conv')) return '#2ca02c';
  if (op.includes('pool')) return '#ff7f0e';
  if (op === 'skip_connect' || op === 'identity') return '#7f7f7f';
  if (op === 'tanh') return '#9467bd';
  if (op === 'relu') return '#d62728';
  if (op === 'sigmoid') return '#8c564b';
  return '#333333';
}

export function escapeXml(s: string): string {
  return s.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;').replace(/"/g, '&quot;');
}

const r1 = (v: number): string => String(Math.round(v * 10) / 10);

/** A short hash of the drawn graphs: marker ids unique per picture, so several SVGs inline in one HTML page do not share ids. */
function pictureId(graphs: readonly CellGraph[]): string {
  let h = 5381;
  for (const ch of JSON.stringify(graphs)) h = ((h * 33) ^ ch.charCodeAt(0)) >>> 0;
  return h.toString(36);
}

function cellBody(l: Layout, dy: number, marker: string): string {
  const out: string[] = [`<g class="cell" data-title="${escapeXml(l.title)}" transform="translate(0 ${r1(dy)})">`];
  out.push(`<text class="cell-title" x="16" y="26" font-size="${FONT_SIZE + 2}" font-weight="bold">${escapeXml(l.title)}</text>`);
  for (const e of l.edges) {
    const [p0, p1, p2, p3] = e.points;
    const colour = opColour(e.label);
    const dash = PARAMETER_FREE_OPS.has(e.label) ? ' stroke-dasharray="5 3"' : '';
    out.push(`<g class="edge" data-from="${escapeXml(e.from)}" data-to="${escapeXml(e.to)}" data-op="${escapeXml(e.label)}">`);
    out.push(
      `<path d="M${r1(p0![0])} ${r1(p0![1])} C${r1(p1![0])} ${r1(p1![1])} ${r1(p2![0])} ${r1(p2![1])} ${r1(p3![0])} ${r1(p3![1])}" fill="none" stroke="${colour}" stroke-width="1.6"${dash} marker-end="url(#${marker})"/>`,
    );
    if (e.label !== '') {
      const w = textWidth(e.label, EDGE_FONT_SIZE) + 6;
      const [x, y] = e.labelAt;
      out.push(
        `<rect class="edge-label-bg" x="${r1(x - w / 2)}" y="${r1(y - 8)}" width="${w}" height="15" rx="3" fill="#ffffff" fill-opacity="0.85"/>`,
        `<text class="edge-label" x="${r1(x)}" y="${r1(y + 4)}" font-size="${EDGE_FONT_SIZE}" text-anchor="middle" fill="${colour}">${escapeXml(e.label)}</text>`,
      );
    }
    out.push('</g>');
  }
  for (const n of l.nodes) {
    out.push(
      `<g class="node" data-id="${escapeXml(n.id)}" data-kind="${n.kind}">`,
      `<rect x="${r1(n.x - n.width / 2)}" y="${r1(n.y - n.height / 2)}" width="${n.width}" height="${n.height}" rx="${n.kind === 'node' ? 14 : 4}" fill="${FILL[n.kind]}" stroke="${STROKE[n.kind]}" stroke-width="1.4"/>`,
      `<text x="${r1(n.x)}" y="${r1(n.y + FONT_SIZE * 0.35)}" font-size="${FONT_SIZE}" text-anchor="middle">${escapeXml(n.label)}</text>`,
      '</g>',
    );
  }
  out.push('</g>');
  return out.join('\n');
}

/** Cells stacked in one SVG document. */
export function cellsToSvg(graphs: readonly CellGraph[]): string {
  const layouts = graphs.map(layoutGraph);
  const id = pictureId(graphs);
  const width = Math.max(...layouts.map((l) => l.width));
  let y = 0;
  const bodies = layouts.map((l, i) => {
    const b = cellBody(l, y, `arrow-${id}-${i}`);
    y += l.height;
    return b;
  });
  const markers = layouts
    .map(
      (_, i) =>
        `<marker id="arrow-${id}-${i}" viewBox="0 0 10 10" refX="10" refY="5" markerWidth="7" markerHeight="7" orient="auto-start-reverse"><path d="M0 0 L10 5 L0 10 z" fill="#555555"/></marker>`,
    )
    .join('');
  return [
    `<svg xmlns="http://www.w3.org/2000/svg" class="sdarts-cell" width="${width}" height="${y}" viewBox="0 0 ${width} ${y}" font-family="${FONT}">`,
    `<title>${escapeXml(graphs.map((g) => g.title).join(', '))}</title>`,
    `<defs>${markers}</defs>`,
    `<rect width="${width}" height="${y}" fill="#ffffff"/>`,
    ...bodies,
    '</svg>',
    '',
  ].join('\n');
}
