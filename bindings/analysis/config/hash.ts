// A stable hash of what a config computes: results made with the same config are not made again.
import type { ExperimentConfig } from './types.js';

/** JSON with sorted keys; functions by their source text; non-finite numbers by name. */
function canonical(v: unknown): string {
  if (v === null || v === undefined) return 'null';
  if (typeof v === 'number') return Number.isFinite(v) ? JSON.stringify(v) : JSON.stringify(`${v}`);
  if (typeof v === 'string' || typeof v === 'boolean') return JSON.stringify(v);
  if (typeof v === 'function') return `{"$fn":${JSON.stringify(v.toString())}}`;
  if (Array.isArray(v) || ArrayBuffer.isView(v)) return `[${Array.from(v as ArrayLike<unknown>, canonical).join(',')}]`;
  const obj = v as Record<string, unknown>;
  const keys = Object.keys(obj)
    .filter((k) => obj[k] !== undefined)
    .sort();
  return `{${keys.map((k) => `${JSON.stringify(k)}:${canonical(obj[k])}`).join(',')}}`;
}

/**
 * A stable hash of what a config computes (sha256 hex of its canonical JSON: sorted keys,
 * functions by their source text). `description` and `source` are left out: editing notes or
 * moving the file does not redo runs.
 */
export async function configHash(config: ExperimentConfig): Promise<string> {
  const { description: _description, source: _source, ...rest } = config;
  // WebCrypto: the same digest in Node (globalThis.crypto) and in browsers.
  const digest = await crypto.subtle.digest('SHA-256', new TextEncoder().encode(canonical(rest)));
  return Array.from(new Uint8Array(digest), (b) => b.toString(16).padStart(2, '0')).join('');
}
