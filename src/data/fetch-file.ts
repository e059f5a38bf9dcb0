import { createHash } from 'node:crypto';
import { closeSync, createReadStream, existsSync, mkdirSync, openSync, renameSync, statSync, unlinkSync, writeSync } from 'node:fs';
import * as http from 'node:http';
import * as https from 'node:https';
import { dirname } from 'node:path';
import { pipeline } from 'node:stream/promises';
import { SdartsError } from '../util/errors.js';

/**
 * Fetch one URL into a file, safely: bytes go to `<dest>.part`; an interrupted transfer is resumed
 * with an HTTP Range request from the part's length; only when the whole file's MD5 equals the
 * published one is the part renamed onto `dest`. So `dest` either does not exist or is verified —
 * a reader can never pick up a half-downloaded file.
 */

export interface DownloadProgress {
  url: string;
  /** Destination path. */
  file: string;
  /** Bytes in the part file so far, including resumed bytes. */
  received: number;
  /** Full size when the server said, else null. */
  total: number | null;
}

export interface FetchOptions {
  onProgress?: (p: DownloadProgress) => void;
  /** Extra attempts (each resuming) after a dropped connection; default 3. */
  retries?: number;
  /** Pause before each retry, in ms (times the attempt number); default 1000. */
  retryDelayMs?: number;
  /** Idle socket timeout in ms; default 60 000. */
  timeoutMs?: number;
}

const MAX_REDIRECTS = 5;

export async function md5File(path: string): Promise<string> {
  const hash = createHash('md5');
  await pipeline(createReadStream(path), hash);
  return hash.digest('hex');
}

/** Download `url` to `dest` verified against `md5` (null: no published checksum, not verified). Returns true if it fetched. */
export async function fetchVerified(url: string, dest: string, md5: string | null, opts: FetchOptions = {}): Promise<boolean> {
  if (existsSync(dest) && (md5 === null || (await md5File(dest)) === md5)) return false;
  mkdirSync(dirname(dest), { recursive: true });
  const part = `${dest}.part`;
  const retries = opts.retries ?? 3;
  for (let attempt = 0; ; attempt++) {
    try {
      await transfer(url, part, opts, 0);
      break;
    } catch (err) {
      const retryable = (err as { retryable?: boolean }).retryable !== false;
      if (!retryable || attempt >= retries) {
        if (err instanceof SdartsError) throw err;
        if (!retryable) {
          throw new SdartsError('ERR_SDARTS_DATA_DOWNLOAD', `Download of ${url} failed: ${(err as Error).message}. Check the URL (or the --base-url mirror) and your network, then run the download again.`, { cause: err });
        }
        const have = existsSync(part) ? statSync(part).size : 0;
        throw new SdartsError('ERR_SDARTS_DATA_DOWNLOAD', `Download of ${url} stopped after ${have} bytes (${(err as Error).message}). The bytes so far are kept in ${part}; run the same download again to resume.`, { cause: err });
      }
      await new Promise((r) => setTimeout(r, (opts.retryDelayMs ?? 1000) * (attempt + 1)));
    }
  }
  if (md5 !== null) {
    const got = await md5File(part);
    if (got !== md5) {
      unlinkSync(part); // a part with wrong bytes cannot be resumed into a right file
      throw new SdartsError('ERR_SDARTS_DATA_CHECKSUM', `Downloaded file from ${url} has MD5 ${got} but the published checksum is ${md5}; it was deleted and nothing was installed. Check the URL or mirror (--base-url) and run the download again.`);
    }
  }
  renameSync(part, dest);
  return true;
}

interface HttpError extends Error { retryable?: boolean }

function httpError(message: string, retryable: boolean): HttpError {
  return Object.assign(new Error(message), { retryable });
}

/** One HTTP exchange appending to (or restarting) the part file; follows redirects. */
async function transfer(url: string, part: string, opts: FetchOptions, redirects: number): Promise<void> {
  const offset = existsSync(part) ? statSync(part).size : 0;
  const res = await request(url, offset, opts.timeoutMs ?? 60_000);
  const status = res.statusCode ?? 0;
  if (status >= 300 && status < 400 && res.headers.location) {
    res.resume();
    if (redirects >= MAX_REDIRECTS) throw httpError(`more than ${MAX_REDIRECTS} redirects`, false);
    return transfer(new URL(res.headers.location, url).toString(), part, opts, redirects + 1);
  }
  if (status === 416 && offset > 0) {
    // Our range starts at or past the end: the part is already whole (checked by MD5 next) or too long.
    res.resume();
    const total = /\/(\d+)$/.exec(String(res.headers['content-range'] ?? ''))?.[1];
    if (total !== undefined && Number(total) === offset) return;
    unlinkSync(part);
    throw httpError(`server refused to resume at byte ${offset}; restarting from zero`, true);
  }
  let append = false;
  if (status === 206) {
    const start = /^bytes (\d+)-/.exec(String(res.headers['content-range'] ?? ''))?.[1];
    if (start === undefined || Number(start) !== offset) {
      res.resume();
      unlinkSync(part);
      throw httpError(`server answered the resume request with a different range (${res.headers['content-range']}); restarting from zero`, true);
    }
    append = true;
  } else if (status !== 200) {
    res.resume();
    throw httpError(`HTTP ${status} ${res.statusMessage ?? ''}`.trim(), status >= 500 || status === 429);
  }
  const length = res.headers['content-length'] !== undefined ? Number(res.headers['content-length']) : null;
  const total = length === null ? null : (append ? offset : 0) + length;
  let received = append ? offset : 0;
  // Synchronous appends: every chunk that arrived is on disk before the next one, so whatever a
  // dropped connection leaves in the part file is exactly the prefix a Range request resumes from.
  const fd = openSync(part, append ? 'a' : 'w');
  try {
    await new Promise<void>((resolve, reject) => {
      res.on('data', (chunk: Buffer) => {
        try {
          let off = 0;
          while (off < chunk.length) off += writeSync(fd, chunk, off, chunk.length - off);
        } catch (err) {
          res.destroy();
          reject(httpError(`cannot write ${part}: ${(err as Error).message}`, false));
          return;
        }
        received += chunk.length;
        opts.onProgress?.({ url, file: part.slice(0, -'.part'.length), received, total });
      });
      res.on('end', resolve);
      res.on('error', reject);
      res.on('close', () => {
        if (!res.complete) reject(httpError(`connection closed after ${received}${total === null ? '' : ` of ${total}`} bytes`, true));
      });
    });
  } finally {
    closeSync(fd);
  }
  if (total !== null && received !== total) throw httpError(`connection closed after ${received} of ${total} bytes`, true);
}

function request(url: string, offset: number, timeoutMs: number): Promise<http.IncomingMessage> {
  return new Promise((resolve, reject) => {
    const u = new URL(url);
    const mod = u.protocol === 'https:' ? https : u.protocol === 'http:' ? http : null;
    if (mod === null) {
      reject(httpError(`unsupported URL scheme ${u.protocol}`, false));
      return;
    }
    const headers: Record<string, string> = { 'user-agent': 'sdarts-downloader' };
    if (offset > 0) headers.range = `bytes=${offset}-`;
    const req = mod.get(u, { headers }, resolve);
    req.setTimeout(timeoutMs, () => req.destroy(httpError(`no data for ${timeoutMs} ms`, true)));
    req.on('error', reject);
  });
}
