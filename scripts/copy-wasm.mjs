// The compiled bindings find the kernel module at ../../build/core.wasm relative to
// bindings/core/, in source and in dist alike; give dist its own copy, with the declarations of
// its exports that asc writes beside it (core.d.ts: the types of `core`).
import { copyFileSync, mkdirSync } from 'node:fs';
mkdirSync('dist/build', { recursive: true });
for (const file of ['core.wasm', 'core.d.ts']) copyFileSync(`build/${file}`, `dist/build/${file}`);
