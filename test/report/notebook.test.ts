/**
 * examples/search.ipynb executed headless, as Jupyter would run it: Jupyter's nbclient (Debian's
 * python3-nbclient) drives the tslab kernel (examples/node_modules, from `npm install` in examples/),
 * whose kernelspec the test writes. Every cell must run without an error, and the outputs must be the
 * real run's: the epoch lines as its events.jsonl has them, the drawing of its final genotype, the
 * loss curves of its epochs.
 */
import { spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { readEvents } from '../../src/run/events-log.js';
import { cellsToSvg, genotypeGraphs } from '../../src/space/draw/index.js';
import { genotypeFromJSON } from '../../src/space/genotype/index.js';
import { ROOT } from '../e2e/cli.js';

const PYTHON = '/usr/bin/python3'; // Debian's, with python3-nbclient (the project's .venv-py is for the PyTorch reference)
const TSLAB = join(ROOT, 'examples', 'node_modules', 'tslab', 'bin', 'tslab');

interface Output {
  output_type: string;
  name?: string;
  text?: string | string[];
  data?: Record<string, string | string[]>;
  ename?: string;
  evalue?: string;
}

const work = mkdtempSync(join(tmpdir(), 'sdarts-notebook-'));
let runDir: string | null = null;
afterAll(() => {
  rmSync(work, { recursive: true, force: true });
  if (runDir) {
    rmSync(runDir, { recursive: true, force: true });
    if (readdirSync(dirname(runDir)).length === 0) rmSync(dirname(runDir), { recursive: true }); // examples/runs, if the test made it
  }
});

describe('examples/search.ipynb', () => {
  it('runs headless in the tslab kernel and shows the run, its cell and its curves', () => {
    const hasNbclient = spawnSync(PYTHON, ['-c', 'import nbclient, jupyter_client'], { encoding: 'utf8' }).status === 0;
    expect(hasNbclient, `${PYTHON} lacks nbclient: apt-get install -y python3-nbclient jupyter-client (.ci/run does)`).toBe(true);
    expect(existsSync(TSLAB), `no tslab at ${TSLAB}: run \`npm install\` in examples/ (.ci/run does)`).toBe(true);
    // The kernelspec `tslab install` would write, in a Jupyter path of our own.
    mkdirSync(join(work, 'jupyter', 'kernels', 'tslab'), { recursive: true });
    writeFileSync(
      join(work, 'jupyter', 'kernels', 'tslab', 'kernel.json'),
      JSON.stringify({ argv: [process.execPath, TSLAB, 'kernel', '--config-path', '{connection_file}'], display_name: 'TypeScript', language: 'typescript' }),
    );
    const out = join(work, 'executed.ipynb');
    const r = spawnSync(PYTHON, [join(ROOT, 'test', 'report', 'run-notebook.py'), join(ROOT, 'examples', 'search.ipynb'), out, 'tslab'], {
      encoding: 'utf8',
      timeout: 300_000,
      env: { ...process.env, JUPYTER_PATH: join(work, 'jupyter'), JUPYTER_RUNTIME_DIR: join(work, 'runtime'), JUPYTER_CONFIG_DIR: join(work, 'config') },
    });
    expect(r.status, r.stderr.slice(-3000)).toBe(0);
    const nb = JSON.parse(readFileSync(out, 'utf8')) as { cells: { cell_type: string; outputs?: Output[] }[] };
    const outputs = nb.cells.filter((c) => c.cell_type === 'code').map((c) => c.outputs!);
    expect(outputs).toHaveLength(4);
    for (const o of outputs.flat()) {
      expect(o.output_type).not.toBe('error');
      expect(o.name).not.toBe('stderr');
    }
    // nbformat stores multi-line strings as lists of lines.
    const str = (v: string | string[] | undefined): string => (Array.isArray(v) ? v.join('') : (v ?? ''));
    const text = (o: Output[]): string => o.map((x) => str(x.text)).join('');
    expect(outputs[0]).toEqual([]); // the imports

    // The search: its run directory and one line per epoch, as its events.jsonl has them.
    const m = /^run dir: (.+)$/m.exec(text(outputs[1]!));
    expect(m).not.toBeNull();
    runDir = m![1]!;
    expect(runDir.startsWith(join(ROOT, 'examples', 'runs', 'notebook-'))).toBe(true);
    const epochs = readEvents(runDir).filter((e) => e['type'] === 'epoch');
    expect(epochs).toHaveLength(2);
    const lines = epochs.map(
      (e) =>
        `epoch ${String(e['epoch'])}: train loss ${(e['trainLoss'] as number).toFixed(4)}, valid acc ${(e['validAcc'] as number).toFixed(2)}%, λ_max ${(e['eigenvalue'] as number).toExponential(3)}`,
    );
    expect(text(outputs[1]!)).toBe(`run dir: ${runDir}\n${lines.join('\n')}\n`);

    // The drawing of the final genotype (as genotype.json records it), inline as HTML.
    const final = genotypeFromJSON((JSON.parse(readFileSync(join(runDir, 'genotype.json'), 'utf8')) as { final: unknown }).final);
    expect(outputs[2]!.map((o) => o.output_type)).toEqual(['display_data']);
    expect(str(outputs[2]![0]!.data!['text/html'])).toBe(cellsToSvg(genotypeGraphs(final)));

    // The curves: train and valid loss, λ_max, with the run's values at its epochs.
    const charts = str(outputs[3]![0]!.data!['text/html']);
    expect([...charts.matchAll(/class="chart" data-title="([^"]+)" data-series-count="(\d)"/g)].map((x) => `${x[1]}:${x[2]}`)).toEqual([
      'loss:2',
      'dominant Hessian eigenvalue:1',
    ]);
    for (const e of epochs) {
      expect(charts).toContain(`<title>train: ${String(e['trainLoss'])} at ${String(e['epoch'])}</title>`);
      expect(charts).toContain(`<title>λ_max: ${String(e['eigenvalue'])} at ${String(e['epoch'])}</title>`);
    }
  });
});
