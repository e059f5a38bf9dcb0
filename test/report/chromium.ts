/**
 * Headless Chromium (Debian's `chromium`) driven over the DevTools protocol on a pipe
 * (--remote-debugging-pipe: JSON messages on fds 3/4, each ended by a NUL) — no WebSocket, no port, no
 * npm package. Network features are off and every host name resolves to nothing, so a page that tries
 * to fetch anything gets an error, which the page's console log then shows.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { existsSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Readable, Writable } from 'node:stream';

export const CHROMIUM = ['/usr/bin/chromium', '/usr/bin/chromium-browser'].find((p) => existsSync(p)) ?? null;

export interface PageLog {
  level: string;
  text: string;
}

type Msg = {
  id?: number;
  method?: string;
  params?: Record<string, unknown>;
  result?: Record<string, unknown>;
  error?: { message: string };
  sessionId?: string;
};

export class Browser {
  private readonly child: ChildProcess;
  private readonly out: Writable;
  private nextId = 1;
  private readonly pending = new Map<number, { resolve: (r: Record<string, unknown>) => void; reject: (e: Error) => void }>();
  private readonly listeners: ((m: Msg) => void)[] = [];
  private readonly profile: string;

  constructor() {
    if (!CHROMIUM) throw new Error('chromium is not installed: apt-get install -y chromium (.ci/run does)');
    this.profile = mkdtempSync(join(tmpdir(), 'sdarts-chromium-'));
    this.child = spawn(
      CHROMIUM,
      [
        '--headless=new',
        '--remote-debugging-pipe',
        '--no-sandbox', // CI runs as root
        '--disable-gpu',
        '--no-first-run',
        '--no-default-browser-check',
        '--disable-extensions',
        '--disable-background-networking',
        '--disable-component-update',
        '--disable-default-apps',
        '--disable-sync',
        '--disable-domain-reliability',
        '--host-resolver-rules=MAP * ~NOTFOUND',
        '--hide-scrollbars',
        `--user-data-dir=${this.profile}`,
        'about:blank',
      ],
      { stdio: ['ignore', 'ignore', 'pipe', 'pipe', 'pipe'] },
    );
    this.child.stderr!.resume();
    this.out = this.child.stdio[3] as Writable;
    this.out.on('error', () => undefined); // EPIPE once the browser has gone; the exit handler below fails the pending calls
    this.child.on('exit', (code, signal) => {
      for (const p of this.pending.values()) p.reject(new Error(`chromium exited (${signal ?? code}) before answering`));
      this.pending.clear();
    });
    let buf = Buffer.alloc(0);
    (this.child.stdio[4] as Readable).on('data', (d: Buffer) => {
      buf = Buffer.concat([buf, d]);
      let i: number;
      while ((i = buf.indexOf(0)) >= 0) {
        const m = JSON.parse(buf.subarray(0, i).toString('utf8')) as Msg;
        buf = buf.subarray(i + 1);
        if (m.id !== undefined && this.pending.has(m.id)) {
          const p = this.pending.get(m.id)!;
          this.pending.delete(m.id);
          if (m.error) p.reject(new Error(m.error.message));
          else p.resolve(m.result ?? {});
        } else for (const l of this.listeners) l(m);
      }
    });
  }

  send(method: string, params: Record<string, unknown> = {}, sessionId?: string): Promise<Record<string, unknown>> {
    const id = this.nextId++;
    return new Promise((resolve, reject) => {
      this.pending.set(id, { resolve, reject });
      this.out.write(JSON.stringify({ id, method, params, ...(sessionId ? { sessionId } : {}) }) + '\0');
    });
  }

  /** Open `url` at `width` × `height` CSS pixels; resolves after its load event, with the page's console and log errors collected from the start. */
  async open(url: string, width = 1280, height = 900): Promise<Page> {
    const { targetId } = (await this.send('Target.createTarget', { url: 'about:blank' })) as { targetId: string };
    const { sessionId } = (await this.send('Target.attachToTarget', { targetId, flatten: true })) as { sessionId: string };
    const page = new Page(this, sessionId);
    this.listeners.push((m) => page.onEvent(m));
    await Promise.all(['Runtime.enable', 'Log.enable', 'Page.enable'].map((m) => this.send(m, {}, sessionId)));
    await this.send('Emulation.setDeviceMetricsOverride', { width, height, deviceScaleFactor: 1, mobile: false }, sessionId);
    const loaded = page.waitFor('Page.loadEventFired');
    await this.send('Page.navigate', { url }, sessionId);
    await loaded;
    return page;
  }

  /** Close the browser (Browser.close, SIGKILL after 5 s) and remove its profile once it has exited. */
  async close(): Promise<void> {
    if (this.child.exitCode === null && this.child.signalCode === null) {
      const exited = new Promise<void>((resolve) => this.child.once('exit', () => resolve()));
      this.send('Browser.close').catch(() => undefined);
      const timer = setTimeout(() => this.child.kill('SIGKILL'), 5000);
      await exited;
      clearTimeout(timer);
    }
    rmSync(this.profile, { recursive: true, force: true, maxRetries: 3 });
  }
}

export class Page {
  readonly logs: PageLog[] = [];
  private readonly waiters: { method: string; resolve: () => void }[] = [];

  constructor(
    private readonly browser: Browser,
    private readonly sessionId: string,
  ) {}

  onEvent(m: Msg): void {
    if (m.sessionId !== this.sessionId || !m.method) return;
    const p = m.params ?? {};
    if (m.method === 'Runtime.consoleAPICalled') {
      const args = (p['args'] as { value?: unknown; description?: string }[]).map((a) => String(a.value ?? a.description ?? ''));
      this.logs.push({ level: String(p['type']), text: args.join(' ') });
    } else if (m.method === 'Runtime.exceptionThrown') {
      const d = p['exceptionDetails'] as { text: string; exception?: { description?: string } };
      this.logs.push({ level: 'error', text: `${d.text} ${d.exception?.description ?? ''}` });
    } else if (m.method === 'Log.entryAdded') {
      const e = p['entry'] as { level: string; text: string };
      this.logs.push({ level: e.level, text: e.text });
    }
    for (const w of this.waiters.filter((x) => x.method === m.method)) {
      this.waiters.splice(this.waiters.indexOf(w), 1);
      w.resolve();
    }
  }

  waitFor(method: string): Promise<void> {
    return new Promise((resolve) => this.waiters.push({ method, resolve }));
  }

  /** Evaluate `expression` in the page; returns its JSON value. */
  async evaluate<T>(expression: string): Promise<T> {
    const r = (await this.browser.send('Runtime.evaluate', { expression, returnByValue: true, awaitPromise: true }, this.sessionId)) as {
      result: { value: T };
      exceptionDetails?: { text: string; exception?: { description?: string } };
    };
    if (r.exceptionDetails) throw new Error(`page: ${r.exceptionDetails.text} ${r.exceptionDetails.exception?.description ?? ''}`);
    return r.result.value;
  }

  /** A PNG of the whole page, or of its top `maxHeight` CSS pixels. */
  async screenshot(maxHeight = Infinity): Promise<Buffer> {
    const m = (await this.browser.send('Page.getLayoutMetrics', {}, this.sessionId)) as { cssContentSize: { width: number; height: number } };
    const width = m.cssContentSize.width,
      height = Math.min(maxHeight, m.cssContentSize.height);
    const r = (await this.browser.send(
      'Page.captureScreenshot',
      { format: 'png', captureBeyondViewport: true, clip: { x: 0, y: 0, width: Math.ceil(width), height: Math.ceil(height), scale: 1 } },
      this.sessionId,
    )) as { data: string };
    return Buffer.from(r.data, 'base64');
  }
}
