import { defineConfig } from 'vitest/config';
import { fileURLToPath } from 'node:url';

export default defineConfig({
  resolve: {
    // Tests import the package by its name, as users do; it resolves to the sources.
    alias: [
      { find: /^sacla-analysis\/node$/, replacement: fileURLToPath(new URL('./bindings/node/index.ts', import.meta.url)) },
      { find: /^sacla-analysis$/, replacement: fileURLToPath(new URL('./bindings/index.ts', import.meta.url)) },
    ],
  },
  test: {
    include: ['test/**/*.test.ts'],
    exclude: ['test/integration/**'],
    testTimeout: 60_000,
    hookTimeout: 60_000,
    // Two cores: forks keep wasm memories apart and the suite inside the 24 GiB.
    pool: 'forks',
    maxWorkers: 2,
  },
});
