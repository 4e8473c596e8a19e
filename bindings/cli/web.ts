// `sacla web`: serves the built web app (dist/web, `npm run build:web`) on 127.0.0.1. The app
// reads the user's files in the browser; this server only hands out the regular files inside its
// folder, only to pages that name it as 127.0.0.1 or localhost (a DNS-rebinding page names its
// own host), with a Content-Security-Policy that lets the page load nothing from elsewhere
// (docs/robustness.md, "sacla web").
import type { Command } from 'commander';
import { createServer, type Server, type ServerResponse } from 'node:http';
import { existsSync, realpathSync } from 'node:fs';
import { readFile, realpath, stat } from 'node:fs/promises';
import { extname, join, normalize, sep } from 'node:path';
import { fileURLToPath } from 'node:url';
import { existingPath, integer } from './options.js';
import { DataError, ConfigError } from '../core/errors.js';

/**
 * What the page may do: its own scripts (no inline ones, no eval) and WebAssembly
 * ('wasm-unsafe-eval' compiles the kernels and h5wasm, nothing else), workers from its own
 * files or blobs, styles from its files and inline (React's and plotting libraries' style
 * attributes and injected <style> elements), images from its files, data: and blob: URLs
 * (canvases, saved plots), connections to itself and blob: only; nothing from another origin,
 * no plugins, no <base>, no form posts, no framing.
 */
export const CONTENT_SECURITY_POLICY = [
  "default-src 'self'",
  "script-src 'self' 'wasm-unsafe-eval'",
  "worker-src 'self' blob:",
  "style-src 'self' 'unsafe-inline'",
  "img-src 'self' data: blob:",
  "font-src 'self' data:",
  "connect-src 'self' blob:",
  "object-src 'none'",
  "base-uri 'none'",
  "form-action 'none'",
  "frame-ancestors 'none'",
].join('; ');

/** Headers of every answer, errors included. */
const SECURITY_HEADERS = {
  'content-security-policy': CONTENT_SECURITY_POLICY,
  'x-frame-options': 'DENY',
  'referrer-policy': 'no-referrer',
  'x-content-type-options': 'nosniff',
  'cross-origin-opener-policy': 'same-origin',
  'cross-origin-resource-policy': 'same-origin',
};

export const MIME: Record<string, string> = {
  '.html': 'text/html; charset=utf-8',
  '.js': 'text/javascript; charset=utf-8',
  '.mjs': 'text/javascript; charset=utf-8',
  '.css': 'text/css; charset=utf-8',
  '.json': 'application/json; charset=utf-8',
  '.wasm': 'application/wasm',
  '.svg': 'image/svg+xml',
  '.png': 'image/png',
  '.ico': 'image/x-icon',
  '.txt': 'text/plain; charset=utf-8',
  '.map': 'application/json; charset=utf-8',
  '.webmanifest': 'application/manifest+json',
};

/** The built app: dist/web beside dist/bindings (installed package or a build in the repo). */
export function webRoot(): string {
  // From dist/bindings/cli: dist/web; from the sources (bindings/cli): dist/web too. The source
  // folder web/ also has an index.html, so a built app is recognised by its service worker.
  const candidates = [new URL('../../web/', import.meta.url), new URL('../../dist/web/', import.meta.url)].map((u) => fileURLToPath(u));
  const found = candidates.find((dir) => existsSync(join(dir, 'index.html')) && existsSync(join(dir, 'sw.js')));
  if (!found) throw new DataError(`the web app is not built (looked in ${candidates.join(', ')}): run \`npm run build:web\``);
  return found;
}

/**
 * A static file server for `root` on 127.0.0.1 (port 0: a free one). It answers only requests
 * whose Host is 127.0.0.1:<port> or localhost:<port> (403 otherwise), and only with regular
 * files whose real path (symbolic links resolved) lies inside the real path of `root`
 * (404 otherwise).
 */
export function serveStatic(root: string, port: number): Promise<{ server: Server; url: string }> {
  const base = realpathSync(root);
  let hosts = new Set<string>();
  const answer = (res: ServerResponse, status: number, extra: Record<string, string> = {}, body = '') =>
    void res.writeHead(status, { ...SECURITY_HEADERS, 'content-type': 'text/plain; charset=utf-8', ...extra }).end(body);
  const server = createServer(async (req, res) => {
    if (!hosts.has((req.headers.host ?? '').toLowerCase())) return answer(res, 403, {}, 'forbidden: this server answers only to 127.0.0.1 and localhost\n');
    if (req.method !== 'GET' && req.method !== 'HEAD') return answer(res, 405, { allow: 'GET, HEAD' });
    let path: string;
    try {
      path = normalize(join(base, decodeURIComponent((req.url ?? '/').split(/[?#]/)[0])));
    } catch {
      return answer(res, 400);
    }
    if (path !== base && !path.startsWith(base + sep)) return answer(res, 403);
    try {
      let real = await realpath(path);
      if ((await stat(real)).isDirectory()) real = await realpath(join(real, 'index.html'));
      if (real !== base && !real.startsWith(base + sep)) throw new Error('outside the served folder');
      if (!(await stat(real)).isFile()) throw new Error('not a regular file');
      const body = await readFile(real);
      const hashed = /-[A-Za-z0-9_-]{8,}\.\w+$/.test(real);
      res.writeHead(200, {
        ...SECURITY_HEADERS,
        'content-type': MIME[extname(real).toLowerCase()] ?? 'application/octet-stream',
        'content-length': body.length,
        // Hashed assets never change; the page and the service worker are checked each time.
        'cache-control': hashed ? 'public, max-age=31536000, immutable' : 'no-cache',
      });
      res.end(req.method === 'HEAD' ? undefined : body);
    } catch {
      answer(res, 404, {}, 'not found\n');
    }
  });
  return new Promise((resolvePromise, reject) => {
    server.once('error', (err: NodeJS.ErrnoException) => {
      reject(err.code === 'EADDRINUSE' ? new ConfigError(`--port ${port} is in use: choose another, or leave --port out for a free one`) : err);
    });
    server.listen(port, '127.0.0.1', () => {
      const address = server.address();
      const p = typeof address === 'object' && address ? address.port : port;
      hosts = new Set([`127.0.0.1:${p}`, `localhost:${p}`]);
      resolvePromise({ server, url: `http://127.0.0.1:${p}/` });
    });
  });
}

export function registerWeb(program: Command): void {
  program
    .command('web')
    .description('Serve the web app on 127.0.0.1 (analyse runs in the browser; files are read where they lie, never uploaded)')
    .option('--port <p>', 'port (default: a free one, printed)', integer('--port', 0, 65535), 0)
    .option('--dir <folder>', 'the built app to serve (default: dist/web of this package)', existingPath('--dir', 'folder'))
    .option('--json', 'print {"url"} as JSON')
    .action(async (opts: { port: number; dir?: string; json?: boolean }) => {
      const root = opts.dir ?? webRoot();
      if (!existsSync(join(root, 'index.html'))) throw new ConfigError(`${opts.dir ? '--dir ' : ''}${root}: no index.html (build the app with \`npm run build:web\`)`);
      const { server, url } = await serveStatic(root, opts.port);
      process.stdout.write(opts.json ? `${JSON.stringify({ url, root })}\n` : `sacla web: serving ${root}\n  ${url}\n(Ctrl-C stops)\n`);
      await new Promise<void>((done) => {
        const stop = () => {
          process.off('SIGINT', stop);
          process.off('SIGTERM', stop);
          server.close(() => done());
          server.closeAllConnections();
        };
        process.on('SIGINT', stop);
        process.on('SIGTERM', stop);
      });
    });
}
