// Layer rules for src/ (npm run lint:deps). Top to bottom:
//   cli → report → run → search → space → nn | optim → tensor → native (src/tensor/native.ts)
// with util at the bottom (importable by all, imports nothing in src), data (tensor, util) and
// benchmark (tensor, util) beside them, and src/index.ts (the package entry) free to import all.
// Each rule names what a folder may import; anything else in src/ is a violation. Type-only imports
// count: the layering is of the design, not only of the emitted JS. No cycles, of any kind.

/** A rule forbidding `from` to import any src/ module outside `allowed` (folders under src/). */
function layer(name, from, allowed, comment) {
  return {
    name,
    comment,
    severity: 'error',
    from: { path: `^src/${from}/` },
    to: { path: '^src/', pathNot: [`^src/(${[from, ...allowed].join('|')})/`] },
  };
}

// run may import everything below it; cli, report and sweep sit above it.
const runLayer = layer(
  'layer-run',
  'run',
  ['search', 'space', 'nn', 'optim', 'tensor', 'data', 'benchmark', 'util'],
  'run may import everything but cli, report and sweep.',
);

/** @type {import('dependency-cruiser').IConfiguration} */
module.exports = {
  forbidden: [
    {
      name: 'no-circular',
      comment: 'No import cycles, type-only ones included: move the shared piece down so the dependency points one way.',
      severity: 'error',
      from: {},
      to: { circular: true },
    },
    layer('layer-util', 'util', [], 'util is the bottom layer: it imports nothing else in src/.'),
    layer('layer-tensor', 'tensor', ['util'], 'tensor sits on the native boundary and util only.'),
    layer('layer-nn', 'nn', ['tensor', 'util'], 'nn sits on tensor (not on optim, nor anything above).'),
    layer('layer-optim', 'optim', ['tensor', 'util'], 'optim sits on tensor (not on nn, nor anything above).'),
    layer('layer-data', 'data', ['tensor', 'util'], 'data sits on tensor and util.'),
    layer('layer-benchmark', 'benchmark', ['tensor', 'util'], 'benchmark sits on tensor and util.'),
    layer('layer-space', 'space', ['benchmark', 'nn', 'tensor', 'util'], 'search spaces are built of nn layers.'),
    layer('layer-search', 'search', ['space', 'nn', 'optim', 'tensor', 'util', 'benchmark'], 'search runs on spaces, nn and optim.'),
    layer('layer-sweep', 'sweep', ['run', 'util'], 'sweep sits on run (the command table, run directories) and util: it runs jobs, never their algorithms.'),
    runLayer,
    layer('layer-report', 'report', ['run', 'space', 'benchmark', 'util'], 'reports read run directories and draw with space: above run, below cli.'),
    {
      name: 'native-boundary',
      comment: 'Only src/tensor/ (and the package entry) talks to the addon wrapper src/tensor/native.ts.',
      severity: 'error',
      from: { path: '^src/', pathNot: ['^src/tensor/', '^src/index\\.ts$'] },
      to: { path: '^src/tensor/native\\.ts$' },
    },
    {
      name: 'native-is-the-bottom-of-tensor',
      comment: 'src/tensor/native.ts is the floor of tensor: it imports util and Node only.',
      severity: 'error',
      from: { path: '^src/tensor/native\\.ts$' },
      to: { path: '^src/', pathNot: '^src/util/' },
    },
    {
      name: 'addon-loaded-in-native-only',
      comment: 'The addon is loaded (createRequire from node:module) in src/tensor/native.ts alone.',
      severity: 'error',
      from: { path: '^src/', pathNot: '^src/tensor/native\\.ts$' },
      to: { dependencyTypes: ['core'], path: '^module$' },
    },
    {
      name: 'not-to-unresolvable',
      comment: 'Every import resolves.',
      severity: 'error',
      from: {},
      to: { couldNotResolve: true },
    },
    {
      name: 'not-to-dev-dep',
      comment: 'The library does not import devDependencies (they are not installed for users).',
      severity: 'error',
      from: { path: '^src/' },
      to: { dependencyTypes: ['npm-dev'] },
    },
  ],
  options: {
    tsPreCompilationDeps: true,
    doNotFollow: { path: 'node_modules' },
    enhancedResolveOptions: { exportsFields: ['exports'], conditionNames: ['import', 'types', 'node', 'default'] },
  },
};
