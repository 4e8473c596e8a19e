// `sacla web`: serves the built web app (dist/web, `npm run build:web`) on 127.0.0.1. The app
// reads the user's files in the browser; this server only hands out static files.
import type { Command } from 'commander';
import { createServer, type Server } from 'node:http';
import { existsSync, statSync } from 'node:fs';
import { readFile } from 'node:fs/promises';
import { extname, join, normalize, resolve, sep } from 'node:path';
import { fileURLToPath } from 'node:url';
import { integer } from './options.js';
import { DataError, ConfigError } from '../core/errors.js';

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

/** A static file server for `root` on 127.0.0.1 (port 0: a free one). */
export function serveStatic(root: string, port: number): Promise<{ server: Server; url: string }> {
  const base = resolve(root);
  const server = createServer(async (req, res) => {
    if (req.method !== 'GET' && req.method !== 'HEAD') return void res.writeHead(405, { allow: 'GET, HEAD' }).end();
    let path: string;
    try {
      path = normalize(join(base, decodeURIComponent((req.url ?? '/').split(/[?#]/)[0])));
    } catch {
      return void res.writeHead(400).end();
    }
    if (path !== base && !path.startsWith(base + sep)) return void res.writeHead(403).end();
    try {
      if (statSync(path).isDirectory()) path = join(path, 'index.html');
      const body = await readFile(path);
      const hashed = /-[A-Za-z0-9_-]{8,}\.\w+$/.test(path);
      res.writeHead(200, {
        'content-type': MIME[extname(path).toLowerCase()] ?? 'application/octet-stream',
        'content-length': body.length,
        // Hashed assets never change; the page and the service worker are checked each time.
        'cache-control': hashed ? 'public, max-age=31536000, immutable' : 'no-cache',
        'x-content-type-options': 'nosniff',
      });
      res.end(req.method === 'HEAD' ? undefined : body);
    } catch {
      res.writeHead(404, { 'content-type': 'text/plain; charset=utf-8' }).end('not found\n');
    }
  });
  return new Promise((resolvePromise, reject) => {
    server.once('error', (err: NodeJS.ErrnoException) => {
      reject(err.code === 'EADDRINUSE' ? new ConfigError(`port ${port} is in use: choose another with --port, or leave it out for a free one`) : err);
    });
    server.listen(port, '127.0.0.1', () => {
      const address = server.address();
      const p = typeof address === 'object' && address ? address.port : port;
      resolvePromise({ server, url: `http://127.0.0.1:${p}/` });
    });
  });
}

export function registerWeb(program: Command): void {
  program
    .command('web')
    .description('Serve the web app on 127.0.0.1 (analyse runs in the browser; files are read where they lie, never uploaded)')
    .option('--port <p>', 'port (default: a free one, printed)', integer('--port', 0), 0)
    .option('--dir <folder>', 'the built app to serve (default: dist/web of this package)')
    .option('--json', 'print {"url"} as JSON')
    .action(async (opts: { port: number; dir?: string; json?: boolean }) => {
      if (opts.port > 65535) throw new ConfigError(`--port must be ≤ 65535, got ${opts.port}`);
      const root = opts.dir ?? webRoot();
      if (!existsSync(join(root, 'index.html'))) throw new ConfigError(`${root}: no index.html (build the app with \`npm run build:web\`)`);
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
