// The ops registry keeps its promise: every transform and sink is one file and one registry
// line, and nothing else needs to know it — so each must also be documented (docs/config.md's
// tables) and exercised by some test. This file fails when a registered op lacks either.
import { describe, expect, test } from 'vitest';
import { readdirSync, readFileSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { SINKS, TRANSFORMS } from '../../bindings/analysis/ops/index.js';

const root = fileURLToPath(new URL('../..', import.meta.url));
const docs = readFileSync(join(root, 'docs', 'config.md'), 'utf8');

function testFiles(dir: string): string[] {
  return readdirSync(dir).flatMap((name) => {
    const p = join(dir, name);
    if (statSync(p).isDirectory()) return name === 'fixtures' ? [] : testFiles(p);
    return name.endsWith('.test.ts') && !p.endsWith(join('analysis', 'ops.test.ts')) ? [p] : [];
  });
}
const tests = testFiles(join(root, 'test')).map((p) => readFileSync(p, 'utf8'));
// A config spelling of the op: `{ kind: … }`, `"kind": …`, or a sink given by name ('kind').
const used = (kind: string) => new RegExp(`(\\{\\s*|["'])${kind}["']?\\s*:|sink:\\s*['"]${kind}['"]`);

describe.each([
  ['transform', TRANSFORMS],
  ['sink', SINKS],
] as const)('every %s of the registry', (what, registry) => {
  test.each(Object.values(registry).map((op) => [op.kind, op] as const))('%s: one file, documented, tested', (kind, op) => {
    expect(op.kind, 'its registry key').toBe(kind);
    expect(op.summary.length, 'a summary').toBeGreaterThan(10);
    const files = readdirSync(join(root, 'bindings', 'analysis', 'ops', `${what}s`));
    expect(files, `bindings/analysis/ops/${what}s/${kind}.ts`).toContain(`${kind}.ts`);
    expect(docs, `docs/config.md's ${what} table has a row for \`${kind}\``).toMatch(new RegExp(`^\\s*\\| \`(\\{ )?"?${kind}\\b`, 'm'));
    expect(
      tests.some((t) => used(kind).test(t)),
      `some test under test/ uses the ${what} ${kind} in a config`,
    ).toBe(true);
  });
});
