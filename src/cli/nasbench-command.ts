/** `sdarts nasbench query`. */
import { NasBench } from '../benchmark/nasbench.js';
import { formatLookupText, lookupToJson } from '../benchmark/format.js';
import { SdartsError } from '../util/errors.js';
import type { CommandConfig } from '../run/commands.js';

export function nasbenchQueryCommand(o: CommandConfig<'nasbench query'>): void {
  if (!o.hash === !o.spec) throw new SdartsError('ERR_SDARTS_CONFIG', 'give exactly one of --hash H or --spec JSON');
  let spec: unknown;
  if (o.spec) {
    try {
      spec = JSON.parse(o.spec);
    } catch (err) {
      throw new SdartsError(
        'ERR_SDARTS_CONFIG',
        `--spec is not valid JSON (${(err as Error).message}); expected {"matrix": [[0,1],[0,0]], "ops": ["input","output"]}`,
      );
    }
  }
  const nb = NasBench.open(o.nasbench, o.cacheDir ? { cacheDir: o.cacheDir } : {});
  if (nb.info.cacheError && !o.json)
    process.stderr.write(`sdarts: warning: could not write the index cache (${nb.info.cacheError}); pass --cache-dir DIR to keep it elsewhere\n`);
  const r = nb.lookup(o.hash ? { hash: o.hash } : { spec });
  process.stdout.write(o.json ? JSON.stringify(lookupToJson(r)) + '\n' : formatLookupText(r) + '\n');
}
