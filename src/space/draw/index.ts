/**
 * Cell drawings, a pure function of a genotype: SVG (svg.ts) and Graphviz DOT (dot.ts) of CNN cells,
 * recurrent cells and NAS-Bench-101 specs, over one graph form (cell-graph.ts) and one layout (layout.ts).
 */
export { cnnCellGraph, genotypeGraphs, nasbenchGraph, rnnCellGraph, PARAMETER_FREE_OPS, type CellGraph, type GraphEdge, type GraphNode } from './cell-graph.js';
export { layoutGraph, type Layout, type PlacedEdge, type PlacedNode } from './layout.js';
export { cellsToSvg, escapeXml, opColour } from './svg.js';
export { cellsToDot } from './dot.js';
