// The plain-TypeScript references of the wasm kernels, one file per kernel family as in
// assembly/: what the tests compare the kernels with, and the twins `npm run bench` times
// beside them (test/reference/twins.test.ts checks that each twin agrees with its kernel).
// No vitest and no package imports here: the bench runs this from dist/.
export * from './float32.js';
export * from './accumulate.js';
export * from './histogram.js';
export * from './radial.js';
export * from './image.js';
export * from './quantile.js';
