/**
 * Where a plan comes from: a JSON file, or flags for a one-stage plan (`--command search --grid
 * "space=s2,s3 seed=0,1" --set "epochs=2"`). YAML is not read (convert it to JSON first, e.g. with yq).
 */
import { existsSync, readFileSync } from 'node:fs';
import { SdartsError } from '../util/errors.js';
import type { StagePlan } from './plan.js';

export function readPlanFile(path: string): unknown {
  if (!existsSync(path)) throw new SdartsError('ERR_SDARTS_SWEEP_PLAN', `the plan file ${path} does not exist`);
  if (/\.ya?ml$/i.test(path))
    throw new SdartsError(
      'ERR_SDARTS_SWEEP_PLAN',
      `${path}: plans are JSON files; convert the YAML to JSON (e.g. \`yq -o json ${path} > plan.json\`) and pass that`,
    );
  try {
    return JSON.parse(readFileSync(path, 'utf8')) as unknown;
  } catch (err) {
    throw new SdartsError('ERR_SDARTS_SWEEP_PLAN', `the plan file ${path} is not valid JSON (${(err as Error).message})`, { cause: err });
  }
}

/** `key=v1,v2 key2=v` → { key: ['v1', 'v2'], key2: ['v'] } (values stay strings: the command table's validator converts them). */
function pairs(text: string, flag: string): Record<string, string[]> {
  const out: Record<string, string[]> = {};
  for (const item of text.trim().split(/\s+/).filter(Boolean)) {
    const i = item.indexOf('=');
    if (i <= 0) throw new SdartsError('ERR_SDARTS_SWEEP_PLAN', `${flag}: '${item}' is not key=value (e.g. ${flag} "seed=0,1 space=s2,s3")`);
    out[item.slice(0, i)] = item.slice(i + 1).split(',');
  }
  return out;
}

export function planFromFlags(command: string, grid: string | null, set: string | null): StagePlan {
  const options = Object.fromEntries(Object.entries(pairs(set ?? '', '--set')).map(([k, v]) => [k, v.join(',')]));
  return { command, options, grid: pairs(grid ?? '', '--grid') };
}
