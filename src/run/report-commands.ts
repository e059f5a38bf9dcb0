/**
 * The command-table rows of the commands that look at runs and cells (`genotype draw`, `report`,
 * `compare`, `doctor`), in the shape of src/run/commands.ts's CommandSpec. Plain data that imports
 * nothing, so that the command table (run/) can list them without a dependency cycle; their actions
 * are in src/cli/report-command.ts.
 */
const output = (help: string) => ({ flag: 'output', short: 'o', kind: 'path', default: null, arg: 'file', help }) as const;

export const GENOTYPE_DRAW_COMMAND = {
  name: 'genotype draw',
  description: 'draw a cell (CNN normal and reduction cells, a recurrent cell, a NAS-Bench-101 spec) as SVG, PNG or Graphviz DOT',
  arguments: [
    {
      name: 'arch',
      help: 'a library name (DARTS_V2, c10_s3_pgd, …), a genotype string in the DARTS format, genotype or NAS-Bench-101 spec JSON, a JSON file, or a run directory',
    },
  ],
  options: [
    output('write the drawing here (default: standard output; PNG needs a file)'),
    { flag: 'format', kind: 'choice', default: null, choices: ['svg', 'png', 'dot'], help: "svg, png or dot (default: from --output's extension, else svg)" },
    { flag: 'rnn', kind: 'bool', default: false, help: 'look the name up among the recurrent (PTB) genotypes' },
    { flag: 'scale', kind: 'float', default: 2, min: 0.1, max: 10, help: 'PNG pixels per SVG unit' },
  ],
} as const;

export const REPORT_COMMAND = {
  name: 'report',
  description: 'one self-contained HTML report of a run: config, cell drawings, curves per epoch, α heat maps, run facts',
  arguments: [{ name: 'run-dir', help: 'the run directory (finished, failed or still running)' }],
  options: [output('the HTML file (default: report.html in the run directory)')],
} as const;

export const COMPARE_COMMAND = {
  name: 'compare',
  description: 'overlay the curves of several runs (DARTS vs SDARTS-RS vs SDARTS-ADV, seeds) in one HTML report',
  arguments: [{ name: 'run-dirs...', help: 'two or more run directories' }],
  options: [output('the HTML file (default: compare.html in the current directory)')],
} as const;

export const DOCTOR_COMMAND = {
  name: 'doctor',
  description: 'check the installation: LibTorch built against and loaded, CUDA, threads, allocator tuning, the Python reference for the tests',
  options: [{ flag: 'json', kind: 'bool', default: false, help: 'machine-readable output' }],
} as const;

export const REPORT_COMMANDS = [GENOTYPE_DRAW_COMMAND, REPORT_COMMAND, COMPARE_COMMAND, DOCTOR_COMMAND] as const;

/** The group word of `genotype draw`, for --help. */
export const REPORT_COMMAND_GROUPS: Readonly<Record<string, string>> = { genotype: 'cell genotypes' };
