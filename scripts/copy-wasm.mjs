// The compiled bindings find the kernel module at ../../build/core.wasm relative to
// bindings/core/, in source and in dist alike; give dist its own copy.
import { copyFileSync, mkdirSync } from 'node:fs';
mkdirSync('dist/build', { recursive: true });
copyFileSync('build/core.wasm', 'dist/build/core.wasm');
