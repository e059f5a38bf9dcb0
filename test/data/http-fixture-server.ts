import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';

/**
 * A file server on 127.0.0.1 for the downloader tests: serves named buffers with HTTP Range support,
 * records every request, and can misbehave on purpose (drop the connection mid-body, ignore Range,
 * redirect). Never reaches beyond loopback.
 */
export interface Served {
  body: Uint8Array;
  /** Close the socket after this many body bytes, on the first `dropTimes` requests. */
  dropAfter?: number;
  dropTimes?: number;
  /** Answer range requests with the whole file (200), as some servers do. */
  ignoreRange?: boolean;
  /** Answer with a redirect to this path instead. */
  redirectTo?: string;
}

export interface FixtureServer {
  baseUrl: string;
  requests: Array<{ path: string; range: string | undefined }>;
  files: Map<string, Served>;
  close(): Promise<void>;
}

export async function startServer(files: Record<string, Served>): Promise<FixtureServer> {
  const map = new Map(Object.entries(files));
  const requests: FixtureServer['requests'] = [];
  const drops = new Map<string, number>();
  const server: Server = createServer((req, res) => {
    const path = decodeURIComponent(new URL(req.url ?? '/', 'http://x').pathname).replace(/^\//, '');
    const range = req.headers.range;
    requests.push({ path, range });
    const f = map.get(path);
    if (!f) {
      res.writeHead(404, { 'content-type': 'text/plain' }).end('not found');
      return;
    }
    if (f.redirectTo) {
      res.writeHead(302, { location: f.redirectTo }).end();
      return;
    }
    const total = f.body.length;
    let start = 0;
    const m = /^bytes=(\d+)-$/.exec(range ?? '');
    if (m && !f.ignoreRange) {
      start = Number(m[1]);
      if (start >= total) {
        res.writeHead(416, { 'content-range': `bytes */${total}` }).end();
        return;
      }
      res.writeHead(206, { 'content-length': total - start, 'content-range': `bytes ${start}-${total - 1}/${total}` });
    } else {
      res.writeHead(200, { 'content-length': total });
    }
    const body = f.body.subarray(start);
    const dropped = drops.get(path) ?? 0;
    if (f.dropAfter !== undefined && dropped < (f.dropTimes ?? 1)) {
      drops.set(path, dropped + 1);
      // Send part of the body, then cut the connection the way a flaky network does.
      res.write(body.subarray(0, f.dropAfter), () => res.socket?.destroy());
      return;
    }
    res.end(body);
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  return {
    baseUrl: `http://127.0.0.1:${port}`,
    requests,
    files: map,
    close: () => new Promise<void>((resolve) => {
      server.closeAllConnections();
      server.close(() => resolve());
    }),
  };
}
