/**
 * `sdarts doctor` on this machine (the CPU LibTorch the addon was built against, as scripts/find-libtorch.mjs
 * locates it) exits 0 and reports it; with LibTorch made unfindable (a copy of the install whose addon's
 * library path, DT_RPATH, points nowhere) it exits 1 and says how to fix it.
 */
import { copyFileSync, cpSync, existsSync, mkdirSync, mkdtempSync, readFileSync, realpathSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { spawnSync } from 'node:child_process';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { elfRunPath } from '../../src/cli/doctor-elf.js';
import { cudaVersionAt, cudnnVersionAt, torchVersionAt } from '../../src/cli/doctor.js';
import { CLI, ROOT } from '../e2e/cli.js';

interface Check {
  name: string;
  status: 'ok' | 'warn' | 'fail';
  detail: string;
  fix?: string;
  facts?: Record<string, unknown>;
}

function doctor(cli: string, args: string[] = ['--json']): { status: number | null; stdout: string; stderr: string } {
  const env = { ...process.env };
  delete env['LD_LIBRARY_PATH'];
  const r = spawnSync(process.execPath, [cli, 'doctor', ...args], { encoding: 'utf8', timeout: 120_000, env });
  return { status: r.status, stdout: r.stdout, stderr: r.stderr };
}

const scratch: string[] = [];
afterAll(() => scratch.forEach((d) => rmSync(d, { recursive: true, force: true })));

describe('sdarts doctor', () => {
  it('reports the CPU LibTorch the addon was built against and loads, and exits 0', async () => {
    const { locateLibTorch } = (await import('../../scripts/find-libtorch.mjs')) as {
      locateLibTorch(o: { create: boolean; log: () => void }): { root: string; version: string; cuda: boolean };
    };
    const lt = locateLibTorch({ create: false, log: () => undefined });
    const r = doctor(CLI);
    expect(r.status, r.stderr).toBe(0);
    const report = JSON.parse(r.stdout) as { ok: boolean; checks: Check[] };
    expect(report.ok).toBe(true);
    const by = new Map(report.checks.map((c) => [c.name, c]));
    expect(report.checks.filter((c) => c.status === 'fail')).toEqual([]);
    expect(by.get('LibTorch built against')!.facts).toMatchObject({ version: lt.version, cudaBuild: lt.cuda });
    expect(by.get('LibTorch loaded')!.facts).toMatchObject({ version: lt.version, root: realpathSync(lt.root) });
    expect(by.get('C++ ABI')!.status).toBe('ok');
    expect(by.get('CUDA')!.facts).toMatchObject({ build: false, available: false, devices: 0 });
    expect(by.get('native addon')!.detail).toContain(join(ROOT, 'build', 'Release', 'sdarts_native.node'));

    const text = doctor(CLI, []);
    expect(text.status).toBe(0);
    expect(text.stdout).toMatch(new RegExp(`^ok {3}LibTorch loaded: ${lt.version.replace(/\./g, '\\.')} from ${realpathSync(lt.root)}/lib$`, 'm'));
    expect(text.stdout.trim().split('\n').pop()).toMatch(/^sdarts is ready/);
  });

  it('with LibTorch unfindable, fails the addon check with a fix and exits 1', () => {
    const root = mkdtempSync(join(tmpdir(), 'sdarts-doctor-'));
    scratch.push(root);
    cpSync(join(ROOT, 'dist'), join(root, 'dist'), { recursive: true });
    copyFileSync(join(ROOT, 'package.json'), join(root, 'package.json'));
    symlinkSync(join(ROOT, 'node_modules'), join(root, 'node_modules'));
    mkdirSync(join(root, 'build', 'Release'), { recursive: true });
    // The addon with its library path replaced by one of the same length that does not exist.
    const addon = readFileSync(join(ROOT, 'build', 'Release', 'sdarts_native.node'));
    const rpath = elfRunPath(join(ROOT, 'build', 'Release', 'sdarts_native.node'));
    expect(rpath).not.toBeNull();
    const at = addon.indexOf(Buffer.from(rpath! + '\0'));
    expect(at).toBeGreaterThan(0);
    const first = rpath!.split('/')[1]!;
    const gone = `/${'z'.repeat(first.length)}${rpath!.slice(first.length + 1)}`; // the first folder renamed: same length, nowhere
    expect(existsSync(gone)).toBe(false);
    addon.write(gone, at, 'utf8');
    writeFileSync(join(root, 'build', 'Release', 'sdarts_native.node'), addon);
    expect(elfRunPath(join(root, 'build', 'Release', 'sdarts_native.node'))).toBe(gone);

    const cli = join(root, 'dist', 'cli', 'main.js');
    const r = doctor(cli);
    expect(r.status).toBe(1);
    const report = JSON.parse(r.stdout) as { ok: boolean; checks: Check[] };
    expect(report.ok).toBe(false);
    const addonCheck = report.checks.find((c) => c.name === 'native addon')!;
    expect(addonCheck.status).toBe('fail');
    expect(addonCheck.detail).toMatch(/does not load: .*lib(c10|torch)[^ ]*\.so/);
    expect(addonCheck.fix).toContain(`LibTorch is not where the addon was built against (${gone.replace(/\/lib$/, '')})`);
    expect(addonCheck.fix).toContain('npm install');
    const text = doctor(cli, []);
    expect(text.status).toBe(1);
    expect(text.stdout).toMatch(/^FAIL native addon: /m);
    expect(text.stdout).toMatch(/^ {5}fix: LibTorch is not where/m);
    expect(text.stdout.trim().split('\n').pop()).toBe('1 problem to fix before a search can run.');
  });
});

describe('doctor: versions from a LibTorch folder', () => {
  it('CUDA and cuDNN of a torch package (version.py, the nvidia-cudnn wheel) and of an archive (build-version, lib/)', async () => {
    const { locateLibTorch } = (await import('../../scripts/find-libtorch.mjs')) as {
      locateLibTorch(o: { create: boolean; log: () => void }): { root: string; version: string };
    };
    const cpu = locateLibTorch({ create: false, log: () => undefined }).root;
    // This machine's CPU torch: no CUDA, no cuDNN, its version as find-libtorch reads it.
    expect([cudaVersionAt(cpu), cudnnVersionAt(cpu), torchVersionAt(cpu)]).toEqual([
      null,
      null,
      locateLibTorch({ create: false, log: () => undefined }).version,
    ]);
    const tmp = mkdtempSync(join(tmpdir(), 'sdarts-doctor-layout-'));
    scratch.push(tmp);
    // A CUDA wheel: the same version.py with its cuda field set, the cuDNN wheel beside torch/.
    const wheel = join(tmp, 'site-packages', 'torch');
    mkdirSync(join(wheel, 'lib'), { recursive: true });
    mkdirSync(join(tmp, 'site-packages', 'nvidia_cudnn_cu12-9.10.2.21.dist-info'));
    const versionPy = readFileSync(join(cpu, 'version.py'), 'utf8');
    expect(versionPy).toMatch(/^cuda: Optional\[str\] = None$/m);
    writeFileSync(join(wheel, 'version.py'), versionPy.replace(/^cuda: Optional\[str\] = None$/m, "cuda: Optional[str] = '12.8'"));
    expect([cudaVersionAt(wheel), cudnnVersionAt(wheel)]).toEqual(['12.8', '9.10.2.21']);
    // An unpacked LibTorch archive: build-version and the cuDNN it ships in lib/.
    const archive = join(tmp, 'libtorch');
    mkdirSync(join(archive, 'lib'), { recursive: true });
    writeFileSync(join(archive, 'build-version'), '2.13.0+cu128\n');
    for (const f of ['libcudnn.so', 'libcudnn.so.9', 'libcudnn.so.9.10.2']) writeFileSync(join(archive, 'lib', f), '');
    expect([cudaVersionAt(archive), cudnnVersionAt(archive)]).toEqual(['12.8', '9.10.2']);
  });
});
