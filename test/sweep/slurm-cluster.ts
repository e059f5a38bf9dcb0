/**
 * A real single-node SLURM cluster for the sweep tests: Debian's slurm-wlm and munge (installed by
 * .ci/run), configured for this host in a temporary folder — its own munge key and socket, free
 * ports, state and spool dirs there — and started as root (munged, slurmctld, slurmd); stopped and
 * removed by stop(). proctrack/linuxproc and task/none work inside containers (no cgroups needed).
 */
import { execFileSync } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { chmodSync, existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { createServer } from 'node:net';
import { availableParallelism, hostname, tmpdir } from 'node:os';
import { join } from 'node:path';

export interface SlurmCluster {
  dir: string;
  conf: string;
  /** The environment SLURM's clients need (SLURM_CONF), merged over process.env. */
  env: NodeJS.ProcessEnv;
  stop(): Promise<void>;
}

function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const s = createServer();
    s.once('error', reject);
    s.listen(0, '127.0.0.1', () => {
      const port = (s.address() as { port: number }).port;
      s.close(() => resolve(port));
    });
  });
}

const sleep = (ms: number): Promise<void> => new Promise((r) => setTimeout(r, ms));

function alive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch {
    return false;
  }
}

function need(bin: string): string {
  for (const d of ['/usr/sbin', '/usr/bin', '/sbin', '/bin']) if (existsSync(join(d, bin))) return join(d, bin);
  throw new Error(`${bin} is not installed: the sweep tests need SLURM and munge (apt-get install -y slurm-wlm munge, as .ci/run does)`);
}

export async function startSlurmCluster(): Promise<SlurmCluster> {
  if (process.getuid?.() !== 0) throw new Error('the SLURM sweep tests start munged, slurmctld and slurmd as root: run them as root (CI does)');
  const munged = need('munged'),
    slurmctld = need('slurmctld'),
    slurmd = need('slurmd');
  need('sbatch');
  const dir = mkdtempSync(join(tmpdir(), 'sdarts-slurm-'));
  chmodSync(dir, 0o755); // munged wants the socket's folders reachable by all
  for (const d of ['munge', 'state', 'spool']) mkdirSync(join(dir, d), { mode: 0o755 });
  const key = join(dir, 'munge', 'munge.key');
  writeFileSync(key, randomBytes(1024), { mode: 0o600 });
  const socket = join(dir, 'munge', 'munge.socket.2');
  execFileSync(munged, [
    '--force', // root, and a socket under /tmp
    `--socket=${socket}`,
    `--key-file=${key}`,
    `--log-file=${join(dir, 'munge', 'munged.log')}`,
    `--pid-file=${join(dir, 'munge', 'munged.pid')}`,
    `--seed-file=${join(dir, 'munge', 'munged.seed')}`,
  ]);
  const host = hostname().split('.')[0]!;
  const [ctldPort, dPort] = [await freePort(), await freePort()];
  const conf = join(dir, 'slurm.conf');
  writeFileSync(
    conf,
    [
      'ClusterName=sdartstest',
      `SlurmctldHost=${host}(127.0.0.1)`,
      'SlurmUser=root',
      'SlurmdUser=root',
      'AuthType=auth/munge',
      'CredType=cred/munge',
      `AuthInfo=socket=${socket}`,
      'MpiDefault=none',
      'ProctrackType=proctrack/linuxproc',
      'TaskPlugin=task/none',
      'SelectType=select/cons_tres',
      'SelectTypeParameters=CR_CPU',
      'SchedulerType=sched/builtin',
      'ReturnToService=2',
      `SlurmctldPort=${ctldPort}`,
      `SlurmdPort=${dPort}`,
      `SlurmctldPidFile=${join(dir, 'slurmctld.pid')}`,
      `SlurmdPidFile=${join(dir, 'slurmd.pid')}`,
      `SlurmdSpoolDir=${join(dir, 'spool')}`,
      `StateSaveLocation=${join(dir, 'state')}`,
      `SlurmctldLogFile=${join(dir, 'slurmctld.log')}`,
      `SlurmdLogFile=${join(dir, 'slurmd.log')}`,
      'JobAcctGatherType=jobacct_gather/none',
      'AccountingStorageType=accounting_storage/none',
      'JobCompType=jobcomp/none',
      // Ended jobs stay visible to squeue for 10 minutes (there is no accounting database for sacct).
      'MinJobAge=600',
      // SIGTERM → SIGKILL after 5 s: time enough for a tiny run to checkpoint.
      'KillWait=5',
      'InactiveLimit=0',
      `NodeName=${host} NodeAddr=127.0.0.1 CPUs=${availableParallelism()} State=UNKNOWN`,
      'PartitionName=debug Nodes=ALL Default=YES MaxTime=INFINITE State=UP',
      '',
    ].join('\n'),
  );
  const env = { ...process.env, SLURM_CONF: conf };
  execFileSync(slurmctld, ['-c', '-f', conf], { env });
  execFileSync(slurmd, ['-f', conf], { env });
  const cluster: SlurmCluster = {
    dir,
    conf,
    env,
    async stop() {
      for (const f of ['slurmd.pid', 'slurmctld.pid', join('munge', 'munged.pid')]) {
        const p = join(dir, f);
        if (!existsSync(p)) continue;
        const pid = Number(readFileSync(p, 'utf8').trim());
        if (!alive(pid)) continue;
        process.kill(pid, 'SIGTERM');
        for (let i = 0; i < 100 && alive(pid); i++) await sleep(100);
      }
      rmSync(dir, { recursive: true, force: true });
    },
  };
  for (let i = 0; ; i++) {
    let state = '';
    try {
      state = execFileSync('sinfo', ['-h', '-o', '%T'], { env, encoding: 'utf8' }).trim();
    } catch {
      // slurmctld not listening yet
    }
    if (state === 'idle') return cluster;
    if (i === 150) {
      const log = existsSync(join(dir, 'slurmctld.log')) ? readFileSync(join(dir, 'slurmctld.log'), 'utf8').slice(-2000) : '';
      await cluster.stop();
      throw new Error(`the test's SLURM node did not come up (sinfo: '${state}'); slurmctld.log ends:\n${log}`);
    }
    await sleep(200);
  }
}
