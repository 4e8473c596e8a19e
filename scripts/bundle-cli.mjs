// The `sacla` command as one bundle: dist/bindings/cli/main.js (and the worker thread it starts,
// dist/bindings/cli/worker.js) replaced by rolldown's bundle of tsc's output. Node's ES module
// loader resolves, reads and links each of the ~240 files of the unbundled command (its own,
// zod's, commander's) one by one: ~0.2 s of every `sacla` call and again in each worker thread.
// The bundle stays where tsc put the entry, so every path it finds relative to its own file
// (../../build/core.wasm, ../../../configs/, ../../web/, ./worker.js) is the same one. The
// library (dist/bindings/index.js, node/index.js) stays unbundled. h5wasm's Node build is
// imported through a variable (bindings/data/h5.ts) and stays outside the bundle.
import { rmSync, readdirSync } from 'node:fs';
import { build } from 'rolldown';

const dir = 'dist/bindings/cli';
// Chunks of an earlier bundle whose names changed would linger beside the new ones.
for (const f of readdirSync(dir)) if (f.startsWith('bundle-')) rmSync(`${dir}/${f}`);

await build({
  input: { main: `${dir}/main.js`, worker: 'dist/bindings/node/worker.js' },
  platform: 'node',
  logLevel: 'warn',
  output: { dir, format: 'esm', entryFileNames: '[name].js', chunkFileNames: 'bundle-[name].js', sourcemap: true },
});
