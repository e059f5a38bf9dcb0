/**
 * Cells as Graphviz DOT text, for those who lay out with `dot` themselves: the graph DARTS's
 * `visualize.py` builds (left to right, op-labelled edges), one cluster per cell, node names prefixed by
 * the cell so that several cells share one digraph.
 */
import type { CellGraph, NodeKind } from './cell-graph.js';
import { PARAMETER_FREE_OPS } from './cell-graph.js';
import { opColour } from './svg.js';

const FILL: Record<NodeKind, string> = { input: 'darkseagreen2', node: 'lightblue', output: 'palegoldenrod' };

function quote(s: string): string {
  return `"${s.replace(/\\/g, '\\\\').replace(/"/g, '\\"')}"`;
}

export function cellsToDot(graphs: readonly CellGraph[]): string {
  const lines = [
    'digraph sdarts {',
    '  rankdir=LR;',
    '  node [style="rounded,filled", shape=rect, fontname=Helvetica, fontsize=14, height=0.5];',
    '  edge [fontname=Helvetica, fontsize=12];',
  ];
  graphs.forEach((g, i) => {
    const id = (n: string): string => quote(`c${i}:${n}`);
    lines.push(`  subgraph cluster_${i} {`, `    label=${quote(g.title)};`);
    for (const n of g.nodes) lines.push(`    ${id(n.id)} [label=${quote(n.label)}, fillcolor=${FILL[n.kind]}${n.kind === 'node' ? ', shape=circle' : ''}];`);
    for (const e of g.edges) {
      const attrs = [`color=${quote(opColour(e.label))}`];
      if (e.label !== '') attrs.unshift(`label=${quote(e.label)}`, `fontcolor=${quote(opColour(e.label))}`);
      if (PARAMETER_FREE_OPS.has(e.label)) attrs.push('style=dashed');
      lines.push(`    ${id(e.from)} -> ${id(e.to)} [${attrs.join(', ')}];`);
    }
    lines.push('  }');
  });
  lines.push('}', '');
  return lines.join('\n');
}
