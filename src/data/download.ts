import { existsSync, mkdirSync, readFileSync, renameSync, rmSync, writeFileSync } from 'node:fs';
import { dirname, join, posix } from 'node:path';
import { gunzipSync } from 'node:zlib';
import { typeError, rangeError } from '../util/errors.js';
import { writeFileAtomic } from '../util/atomic-write.js';
import { dataCorrupt, dataFormat, downloadHint, isFile } from './data-errors.js';
import { DATASET_SOURCES, type DatasetSource, type DownloadableName } from './dataset-sources.js';
import { fetchVerified, type DownloadProgress } from './fetch-file.js';
import { readTar } from './tar.js';

export type { DownloadProgress } from './fetch-file.js';
export { DATASET_SOURCES, type DatasetSource, type DownloadableName, type RemoteFile } from './dataset-sources.js';

export interface DownloadOptions {
  /** Fetch every file from `<baseUrl>/<file name>` instead of its canonical URL (a mirror). */
  baseUrl?: string;
  onProgress?: (p: DownloadProgress) => void;
  /** Extra resuming attempts per file after a dropped connection; default 3. */
  retries?: number;
  retryDelayMs?: number;
  timeoutMs?: number;
}

export interface DownloadResult {
  name: string;
  dir: string;
  /** Each remote file, and whether this call fetched it (false: already there and verified). */
  files: Array<{ path: string; fetched: boolean }>;
}

export const DOWNLOADABLE = Object.keys(DATASET_SOURCES) as DownloadableName[];

/** Download, verify and unpack a dataset into `dir` in torchvision's layout. Safe to re-run. */
export async function downloadDataset(name: DownloadableName, dir: string, opts: DownloadOptions = {}): Promise<DownloadResult> {
  if (typeof name !== 'string') throw typeError('downloadDataset', 'name', `one of ${DOWNLOADABLE.join(', ')}`, name);
  if (!(name in DATASET_SOURCES)) throw rangeError('downloadDataset', 'name', `one of ${DOWNLOADABLE.join(', ')}`, name);
  return installDataset(DATASET_SOURCES[name], dir, opts);
}

/** The engine behind downloadDataset, for any source description (tests use their own). */
export async function installDataset(source: DatasetSource, dir: string, opts: DownloadOptions = {}): Promise<DownloadResult> {
  if (typeof dir !== 'string' || dir === '') throw typeError('downloadDataset', 'dir', 'a non-empty directory path string', dir);
  if (opts.baseUrl !== undefined && !/^https?:\/\//.test(opts.baseUrl)) throw typeError('downloadDataset', 'baseUrl', 'an http:// or https:// URL', opts.baseUrl);
  mkdirSync(dir, { recursive: true });
  const result: DownloadResult = { name: source.name, dir, files: [] };
  const fetchOpts = { onProgress: opts.onProgress, retries: opts.retries, retryDelayMs: opts.retryDelayMs, timeoutMs: opts.timeoutMs };

  for (const file of source.files) {
    const dest = join(dir, file.path);
    if (source.unpack === 'extract' && folderComplete(dir, source)) {
      result.files.push({ path: dest, fetched: false });
      continue;
    }
    const url = opts.baseUrl ? `${opts.baseUrl.replace(/\/+$/, '')}/${posix.basename(new URL(file.url).pathname)}` : file.url;
    const fetched = await fetchVerified(url, dest, file.md5, fetchOpts);
    result.files.push({ path: dest, fetched });
    if (source.unpack === 'extract') extractArchive(dest, dir, source);
    if (source.unpack === 'gunzip') {
      const plain = dest.replace(/\.gz$/, '');
      if (fetched || !isFile(plain)) gunzipBeside(dest, plain, source.name, dir);
    }
  }
  return result;
}

function folderComplete(dir: string, source: DatasetSource): boolean {
  const folder = join(dir, source.folder ?? '');
  return (source.members ?? []).every((m) => isFile(join(folder, m)));
}

function gunzipBeside(gz: string, plain: string, name: string, dir: string): void {
  let data: Buffer;
  try {
    data = gunzipSync(readFileSync(gz));
  } catch (err) {
    throw dataCorrupt(gz, `gzip data cannot be decompressed (${(err as Error).message})`, `delete it and ${downloadHint(name, dir)}`);
  }
  writeFileAtomic(plain, data);
}

/**
 * Unpack a verified .tar.gz into a hidden staging folder, check it holds exactly the expected top
 * folder and members, then move that folder into place in one rename, so the dataset folder is
 * either absent or complete.
 */
function extractArchive(archive: string, dir: string, source: DatasetSource): void {
  const folder = source.folder!;
  const hint = `delete ${archive} and ${downloadHint(source.name, dir)}`;
  let tar: Buffer;
  try {
    tar = gunzipSync(readFileSync(archive));
  } catch (err) {
    throw dataCorrupt(archive, `gzip data cannot be decompressed (${(err as Error).message})`, hint);
  }
  const entries = readTar(tar, archive, hint);
  const outside = entries.find((e) => e.path !== folder && !e.path.startsWith(`${folder}/`));
  if (outside) throw dataFormat(archive, `the archive holds "${outside.path}", outside the expected folder ${folder}/`, hint);
  const names = new Set(entries.filter((e) => e.type === 'file').map((e) => e.path.slice(folder.length + 1)));
  const missing = (source.members ?? []).filter((m) => !names.has(m));
  if (missing.length > 0) throw dataFormat(archive, `the archive lacks ${missing.map((m) => `${folder}/${m}`).join(', ')}`, hint);

  const stage = join(dir, `.${folder}.extract-${process.pid}-${Date.now()}`);
  try {
    mkdirSync(join(stage, folder), { recursive: true });
    for (const e of entries) {
      const target = join(stage, ...e.path.split('/'));
      if (e.type === 'directory') mkdirSync(target, { recursive: true });
      else {
        mkdirSync(dirname(target), { recursive: true });
        writeFileSync(target, e.data);
      }
    }
    const final = join(dir, folder);
    if (existsSync(final)) {
      // An incomplete folder from an earlier, interrupted unpack: swap it out, then remove it.
      const old = join(dir, `.${folder}.old-${process.pid}-${Date.now()}`);
      renameSync(final, old);
      rmSync(old, { recursive: true, force: true });
    }
    renameSync(join(stage, folder), final);
  } finally {
    rmSync(stage, { recursive: true, force: true });
  }
}
