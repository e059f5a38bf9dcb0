/**
 * A layered left-to-right layout of a cell graph, deterministic (the same graph gives the same picture):
 * a node's column is its longest path from an input; inside a column nodes keep their graph order, then
 * one barycentre pass per column (by the mean row of their predecessors, ties by graph order) limits
 * crossings. Sizes are in SVG user units at the size of a paper figure (12-unit labels).
 */
import type { CellGraph, GraphEdge, GraphNode } from './cell-graph.js';

export const FONT_SIZE = 12;
export const EDGE_FONT_SIZE = 11;
const NODE_HEIGHT = 28;
const ROW_GAP = 30;
/** Horizontal room between columns: enough for an op label (sep_conv_3x3 at 11 units). */
const COLUMN_GAP = 120;
const MARGIN = 16;
const TITLE_HEIGHT = 22;

export interface PlacedNode extends GraphNode {
  /** Centre. */
  readonly x: number;
  readonly y: number;
  readonly width: number;
  readonly height: number;
  readonly column: number;
}

export interface PlacedEdge extends GraphEdge {
  /** Cubic Bézier: start, two control points, end. */
  readonly points: readonly [number, number][];
  /** Where the label sits (centre). */
  readonly labelAt: readonly [number, number];
}

export interface Layout {
  readonly title: string;
  readonly width: number;
  readonly height: number;
  readonly nodes: readonly PlacedNode[];
  readonly edges: readonly PlacedEdge[];
}

/** Width of a text in user units: a sans-serif average of 0.64 em per character (no font metrics at hand). */
export function textWidth(text: string, size: number): number {
  return Math.ceil(text.length * size * 0.64);
}

function nodeWidth(n: GraphNode): number {
  return Math.max(NODE_HEIGHT + 8, textWidth(n.label, FONT_SIZE) + 20);
}

function columns(g: CellGraph): Map<string, number> {
  const col = new Map<string, number>();
  const preds = new Map<string, string[]>(g.nodes.map((n) => [n.id, []]));
  for (const e of g.edges) preds.get(e.to)?.push(e.from);
  const visit = (id: string, seen: Set<string>): number => {
    const known = col.get(id);
    if (known !== undefined) return known;
    if (seen.has(id)) return 0; // a cycle cannot occur in a cell; stay finite if it does
    seen.add(id);
    const ps = preds.get(id) ?? [];
    const c = ps.length === 0 ? 0 : Math.max(...ps.map((p) => visit(p, seen) + 1));
    col.set(id, c);
    return c;
  };
  for (const n of g.nodes) visit(n.id, new Set());
  // The output sits alone in the last column, inputs in the first.
  const last = Math.max(...col.values());
  for (const n of g.nodes) {
    if (n.kind === 'output') col.set(n.id, Math.max(last, 1));
    if (n.kind === 'input') col.set(n.id, 0);
  }
  return col;
}

export function layoutGraph(g: CellGraph): Layout {
  const col = columns(g);
  const ncols = Math.max(...col.values()) + 1;
  const byCol: GraphNode[][] = Array.from({ length: ncols }, () => []);
  for (const n of g.nodes) byCol[col.get(n.id)!]!.push(n);
  const order = new Map<string, number>(g.nodes.map((n, i) => [n.id, i]));
  const row = new Map<string, number>();
  for (const nodes of byCol) {
    const score = (n: GraphNode): number => {
      const ps = g.edges.filter((e) => e.to === n.id && row.has(e.from)).map((e) => row.get(e.from)! / 1);
      return ps.length === 0 ? order.get(n.id)! : ps.reduce((a, b) => a + b, 0) / ps.length;
    };
    const scored = nodes.map((n) => ({ n, s: score(n) }));
    if (nodes.some((n) => n.kind !== 'input')) scored.sort((a, b) => a.s - b.s || order.get(a.n.id)! - order.get(b.n.id)!);
    const mid = (scored.length - 1) / 2;
    scored.forEach(({ n }, i) => row.set(n.id, i - mid));
  }
  const colWidth = byCol.map((ns) => Math.max(0, ...ns.map(nodeWidth)));
  // The gap before a column grows with the labelled edges entering it: more room along the curves for their labels.
  const labelledInto = (c: number): number => g.edges.filter((e) => e.label !== '' && col.get(e.to) === c).length;
  const gapBefore = (c: number): number => COLUMN_GAP + 14 * Math.max(0, labelledInto(c) - 4);
  const colX: number[] = [];
  let x = MARGIN;
  for (let c = 0; c < ncols; c++) {
    if (c > 0) x += gapBefore(c);
    colX.push(x + colWidth[c]! / 2);
    x += colWidth[c]!;
  }
  const width = x + MARGIN;
  const maxRows = Math.max(...byCol.map((ns) => ns.length));
  const pitch = NODE_HEIGHT + ROW_GAP;
  const bodyHeight = maxRows * pitch - ROW_GAP;
  const top = MARGIN + TITLE_HEIGHT;
  const centreY = top + bodyHeight / 2;
  const nodes: PlacedNode[] = g.nodes.map((n) => ({
    ...n,
    x: colX[col.get(n.id)!]!,
    y: centreY + row.get(n.id)! * pitch,
    width: nodeWidth(n),
    height: NODE_HEIGHT,
    column: col.get(n.id)!,
  }));
  const at = new Map(nodes.map((n) => [n.id, n]));
  const routed = routeEdges(g.edges, at, pitch);
  // A bent edge may leave the rows: grow the picture to hold it (shifting everything down when it goes up).
  const ys = routed.flatMap((e) => Array.from({ length: 25 }, (_, i) => bezierPoint(e.points, i / 24)[1]));
  const shift = Math.max(0, top - 4 - Math.min(top, ...ys));
  const bottom = Math.max(top + bodyHeight, ...ys.map((y) => y + 4)) + shift;
  const move = (p: readonly [number, number]): [number, number] => [p[0], p[1] + shift];
  return {
    title: g.title,
    width,
    height: Math.ceil(bottom + MARGIN),
    nodes: nodes.map((n) => ({ ...n, y: n.y + shift })),
    edges: routed.map((e) => ({ ...e, points: e.points.map(move), labelAt: move(e.labelAt) })),
  };
}

type Box = { x0: number; y0: number; x1: number; y1: number };
const boxOf = (n: PlacedNode, pad = 0): Box => ({
  x0: n.x - n.width / 2 - pad,
  y0: n.y - n.height / 2 - pad,
  x1: n.x + n.width / 2 + pad,
  y1: n.y + n.height / 2 + pad,
});
const overlaps = (a: Box, b: Box): boolean => a.x0 < b.x1 && b.x0 < a.x1 && a.y0 < b.y1 && b.y0 < a.y1;
const inside = (p: readonly [number, number], b: Box): boolean => p[0] > b.x0 && p[0] < b.x1 && p[1] > b.y0 && p[1] < b.y1;

/** Bends tried, in rows, for an edge that would cross a node: none first, then alternately up and down. */
const BENDS = [0, -0.5, 0.5, -1, 1, -1.5, 1.5, -2, 2];
/** Label positions tried along an edge (its parameter t), the middle first. */
const LABEL_TS = [0.5, 0.4, 0.6, 0.3, 0.7, 0.25, 0.75, 0.2, 0.8, 0.15, 0.85];

/**
 * Each edge a cubic Bézier from the right side of its source to the left side of its target, bent up or
 * down when the straight curve would cross another node; labels go at the first point along the curve
 * where they overlap neither a node nor a label placed before (edges in graph order: deterministic).
 */
function routeEdges(edges: readonly GraphEdge[], at: Map<string, PlacedNode>, pitch: number): PlacedEdge[] {
  const nodeBoxes = [...at.values()].map((n) => ({ id: n.id, box: boxOf(n, 3) }));
  const labelBoxes: Box[] = [];
  return edges.map((e) => {
    const a = at.get(e.from)!,
      b = at.get(e.to)!;
    const x0 = a.x + a.width / 2,
      x1 = b.x - b.width / 2;
    const dx = Math.max(24, (x1 - x0) / 2);
    const others = nodeBoxes.filter((n) => n.id !== e.from && n.id !== e.to).map((n) => n.box);
    const curve = (bend: number): [number, number][] => [
      [x0, a.y],
      [x0 + dx, a.y + bend * pitch],
      [x1 - dx, b.y + bend * pitch],
      [x1, b.y],
    ];
    const samples = (p: [number, number][]): [number, number][] => Array.from({ length: 24 }, (_, i) => bezierPoint(p, (i + 0.5) / 24));
    let points = curve(0);
    for (const bend of BENDS) {
      const p = curve(bend);
      if (!samples(p).some((q) => others.some((o) => inside(q, o)))) {
        points = p;
        break;
      }
    }
    let labelAt = bezierPoint(points, 0.5);
    if (e.label !== '') {
      const w = textWidth(e.label, EDGE_FONT_SIZE) + 6;
      const boxAt = (c: [number, number]): Box => ({ x0: c[0] - w / 2, y0: c[1] - 8, x1: c[0] + w / 2, y1: c[1] + 8 });
      const allNodes = nodeBoxes.map((n) => n.box);
      // The first free spot, else the one that overlaps least.
      const area = (c: [number, number]): number =>
        [...allNodes, ...labelBoxes].reduce((s, o) => {
          const q = boxAt(c);
          return overlaps(q, o) ? s + (Math.min(q.x1, o.x1) - Math.max(q.x0, o.x0)) * (Math.min(q.y1, o.y1) - Math.max(q.y0, o.y0)) : s;
        }, 0);
      let best = Infinity;
      for (const t of LABEL_TS) {
        const c = bezierPoint(points, t);
        const a = area(c);
        if (a < best) [best, labelAt] = [a, c];
        if (a === 0) break;
      }
      labelBoxes.push(boxAt(labelAt));
    }
    return { ...e, points, labelAt };
  });
}

function bezierPoint(p: readonly [number, number][], t: number): [number, number] {
  const u = 1 - t;
  const c = [u * u * u, 3 * u * u * t, 3 * u * t * t, t * t * t];
  return [c.reduce((s, k, i) => s + k * p[i]![0], 0), c.reduce((s, k, i) => s + k * p[i]![1], 0)];
}
