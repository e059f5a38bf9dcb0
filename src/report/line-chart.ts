/**
 * A line chart as hand-made SVG (lighter than bundling a charting library, and it renders without
 * script): linear axes with round ticks, one `<path class="series">` per series (points marked, so a
 * one-epoch series still shows), a legend. `data-series` / `data-points` let tests read it back.
 */
import { escapeXml } from '../space/draw/index.js';

export interface Series {
  name: string;
  points: readonly (readonly [number, number])[];
}

export interface ChartSpec {
  title: string;
  xLabel: string;
  yLabel?: string;
  series: readonly Series[];
  /** Whole-number x ticks (epochs, steps). */
  integerX?: boolean;
}

/** Colours of series, in order (colour-blind-safe Tableau 10). */
export const SERIES_COLOURS = ['#4e79a7', '#f28e2b', '#e15759', '#76b7b2', '#59a14f', '#edc948', '#b07aa1', '#ff9da7', '#9c755f', '#bab0ac'];

const W = 390,
  H = 250,
  LEFT = 58,
  RIGHT = 12,
  TOP = 30,
  BOTTOM = 44;

/** About `count` round ticks covering [lo, hi] (steps of 1, 2 or 5 × 10^k). */
export function niceTicks(lo: number, hi: number, count = 5, integer = false): number[] {
  if (!(hi > lo)) {
    const pad = Math.abs(lo) > 0 ? Math.abs(lo) * 0.1 : 1;
    [lo, hi] = [lo - pad, hi + pad];
  }
  const raw = (hi - lo) / count;
  const mag = 10 ** Math.floor(Math.log10(raw));
  let step = [1, 2, 5, 10].map((m) => m * mag).find((s) => s >= raw) ?? 10 * mag;
  if (integer) step = Math.max(1, Math.round(step));
  const out: number[] = [];
  for (let t = Math.floor(lo / step) * step; t <= hi + step * 1e-9; t += step) out.push(Number(t.toPrecision(12)));
  if (out[out.length - 1]! < hi) out.push(Number((out[out.length - 1]! + step).toPrecision(12)));
  return out;
}

export function formatTick(v: number): string {
  if (v === 0) return '0';
  const a = Math.abs(v);
  if (a >= 1e5 || a < 1e-3) return v.toExponential(1);
  return String(Number(v.toPrecision(4)));
}

export function lineChart(c: ChartSpec): string {
  const series = c.series.filter((s) => s.points.length > 0);
  const xs = series.flatMap((s) => s.points.map((p) => p[0]));
  const ys = series.flatMap((s) => s.points.map((p) => p[1]));
  const xt = niceTicks(Math.min(...xs), Math.max(...xs), 5, c.integerX ?? false);
  const yt = niceTicks(Math.min(...ys), Math.max(...ys), 5);
  const [x0, x1, y0, y1] = [xt[0]!, xt[xt.length - 1]!, yt[0]!, yt[yt.length - 1]!];
  const legendRows = Math.ceil(series.length / 3);
  const height = H + 8 + legendRows * 16;
  const px = (x: number): number => LEFT + ((x - x0) / (x1 - x0)) * (W - LEFT - RIGHT);
  const py = (y: number): number => TOP + (1 - (y - y0) / (y1 - y0)) * (H - TOP - BOTTOM);
  const f = (v: number): string => String(Math.round(v * 10) / 10);
  const out = [
    `<svg xmlns="http://www.w3.org/2000/svg" class="chart" data-title="${escapeXml(c.title)}" data-series-count="${series.length}" width="${W}" height="${height}" viewBox="0 0 ${W} ${height}" font-family="DejaVu Sans, Helvetica, Arial, sans-serif" font-size="11">`,
    `<rect width="${W}" height="${height}" fill="#ffffff"/>`,
    `<text x="${W / 2}" y="16" text-anchor="middle" font-size="13" font-weight="bold">${escapeXml(c.title)}</text>`,
  ];
  for (const t of yt) {
    out.push(
      `<line x1="${LEFT}" x2="${W - RIGHT}" y1="${f(py(t))}" y2="${f(py(t))}" stroke="#e5e5e5"/>`,
      `<text x="${LEFT - 5}" y="${f(py(t) + 4)}" text-anchor="end" fill="#444">${formatTick(t)}</text>`,
    );
  }
  for (const t of xt) out.push(`<text x="${f(px(t))}" y="${H - BOTTOM + 15}" text-anchor="middle" fill="#444">${formatTick(t)}</text>`);
  out.push(
    `<rect x="${LEFT}" y="${TOP}" width="${W - LEFT - RIGHT}" height="${H - TOP - BOTTOM}" fill="none" stroke="#999"/>`,
    `<text x="${(LEFT + W - RIGHT) / 2}" y="${H - 10}" text-anchor="middle" fill="#222">${escapeXml(c.xLabel)}</text>`,
  );
  if (c.yLabel)
    out.push(`<text transform="translate(13 ${(TOP + H - BOTTOM) / 2}) rotate(-90)" text-anchor="middle" fill="#222">${escapeXml(c.yLabel)}</text>`);
  series.forEach((s, i) => {
    const colour = SERIES_COLOURS[i % SERIES_COLOURS.length]!;
    const d = s.points.map((p, k) => `${k === 0 ? 'M' : 'L'}${f(px(p[0]))} ${f(py(p[1]))}`).join(' ');
    out.push(
      `<g class="series-group"><path class="series" data-series="${escapeXml(s.name)}" data-points="${s.points.length}" d="${d}" fill="none" stroke="${colour}" stroke-width="2"/>`,
    );
    if (s.points.length <= 60)
      for (const p of s.points)
        out.push(
          `<circle cx="${f(px(p[0]))}" cy="${f(py(p[1]))}" r="2.6" fill="${colour}"><title>${escapeXml(`${s.name}: ${p[1]} at ${p[0]}`)}</title></circle>`,
        );
    out.push('</g>');
    const lx = LEFT + (i % 3) * 110,
      ly = H + 12 + Math.floor(i / 3) * 16;
    out.push(
      `<rect x="${lx}" y="${ly - 8}" width="14" height="4" fill="${colour}"/>`,
      `<text class="legend" x="${lx + 18}" y="${ly - 3}" fill="#222">${escapeXml(s.name.length > 16 ? s.name.slice(0, 15) + '…' : s.name)}<title>${escapeXml(s.name)}</title></text>`,
    );
  });
  out.push('</svg>');
  return out.join('\n');
}
