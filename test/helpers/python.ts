/**
 * The Python reference interpreter for interop tests (PyTorch, safetensors, TensorBoard):
 * $SDARTS_PYTHON, else the project's .venv-py (created by `npm test`'s pretest step).
 */
import { spawnSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import { join } from 'node:path';

const ROOT = join(__dirname, '..', '..');

export function referencePython(): string {
  const p = process.env.SDARTS_PYTHON ?? join(ROOT, '.venv-py', 'bin', 'python');
  if (!existsSync(p) && !process.env.SDARTS_PYTHON) {
    throw new Error(`No Python reference found at ${p}. Run the tests with \`npm test\` (its pretest step creates .venv-py) or set SDARTS_PYTHON.`);
  }
  return p;
}

/** Run a committed script with the reference Python; throws with its stderr on failure. */
export function runPython(script: string, args: string[]): string {
  const r = spawnSync(referencePython(), [join(ROOT, script), ...args], { encoding: 'utf8', env: { ...process.env, PYTHONWARNINGS: 'ignore' } });
  if (r.status !== 0) throw new Error(`${script} failed (exit ${r.status}): ${r.stderr.slice(-2000)}`);
  return r.stdout;
}
