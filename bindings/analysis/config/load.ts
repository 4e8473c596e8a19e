// Configs from files: `.json`, or `.mjs` / `.js` whose default export is the config (its
// calibrations may be functions); relative paths resolved against the data folder.
import { ConfigError } from '../../core/errors.js';
import { files, paths } from '../../core/files.js';
import type { TransformConfig } from '../ops/index.js';
import type { ExperimentConfig } from './types.js';
import { validateConfig } from './validate.js';

/** Line and column (1-based) of a character offset. */
function lineColumn(text: string, pos: number): { line: number; column: number } {
  const before = text.slice(0, Math.max(0, Math.min(pos, text.length)));
  const lines = before.split('\n');
  return { line: lines.length, column: lines[lines.length - 1].length + 1 };
}

/**
 * Where an "Unexpected token" lies: V8 gives no position for it, only up to 10 characters
 * either side of it ("…" marking a cut), so the context is looked up in the text.
 */
function tokenPosition(text: string, msg: string): number | null {
  const m = /^Unexpected token '(.+?)', (\.\.\.)?"([\s\S]*)"(?:\.\.\.)? is not valid JSON$/.exec(msg);
  if (!m) return null;
  const [, token, cut, context] = m;
  const at = text.indexOf(context);
  if (at < 0) return null;
  return cut ? at + 10 : at + Math.max(0, context.indexOf(token));
}

function jsonError(text: string, err: Error, origin: string): ConfigError {
  const msg = err.message;
  let where: { line: number; column: number } | null = null;
  const lc = /line (\d+) column (\d+)/.exec(msg);
  const pos = /position (\d+)/.exec(msg);
  const token = tokenPosition(text, msg);
  if (lc) where = { line: Number(lc[1]), column: Number(lc[2]) };
  else if (pos) where = lineColumn(text, Number(pos[1]));
  else if (token !== null) where = lineColumn(text, token);
  else if (/end of (JSON )?input/i.test(msg)) where = lineColumn(text, text.length);
  let reason = msg
    .replace(/\s*\(line \d+ column \d+\)/, '')
    .replace(/\s*in JSON at position \d+/, '')
    .replace(/,\s*(\.\.\.)?".*"(\.\.\.)? is not valid JSON$/s, '');
  const word = token !== null ? /^(NaN|-?Infinity|undefined)\b/.exec(text.slice(token)) : null;
  if (word) reason = `${word[1]}, which JSON does not have (use a number, or null where a key allows it)`;
  const loc = where ? `line ${where.line}, column ${where.column}` : 'JSON';
  return new ConfigError(`${origin}: ${loc}: expected valid JSON, got ${reason}`);
}

/**
 * Reads and validates a config: `.json`, or `.mjs` / `.js` whose default export is the config
 * (calibrations may be functions there). Relative dark and sidecar paths are resolved against
 * `options.dataDir` when given. Errors name the file (`path` as given).
 */
export async function loadConfig(path: string, options: { dataDir?: string } = {}): Promise<ExperimentConfig> {
  const origin = path;
  const st = files().stat(path);
  if (!st) throw new ConfigError(`config file ${path} not found`);
  if (st.kind !== 'file') throw new ConfigError(`${origin}: expected a config file, got a folder`);
  const ext = /\.[^./]*$/.exec(paths.basename(path))?.[0].toLowerCase() ?? '';
  let raw: unknown;
  if (ext === '.json') {
    let text = new TextDecoder().decode(files().read(path));
    if (text.charCodeAt(0) === 0xfeff) text = text.slice(1);
    try {
      raw = JSON.parse(text);
    } catch (err) {
      throw jsonError(text, err as Error, origin);
    }
  } else if (ext === '.mjs' || ext === '.js') {
    let mod: { default?: unknown };
    try {
      // A module only Node can import by its path (a browser takes JSON configs).
      mod = await import(/* @vite-ignore */ fileUrl(paths.resolve(path)));
    } catch (err) {
      throw new ConfigError(`${origin}: could not be imported: ${(err as Error).message}`);
    }
    if (mod.default === undefined) throw new ConfigError(`${origin}: expected a default export (the config object), got none`);
    raw = mod.default;
  } else {
    throw new ConfigError(`${origin}: expected a .json, .mjs or .js config file, got "${ext || 'no extension'}"`);
  }
  const config = validateConfig(raw, origin);
  return options.dataDir === undefined ? config : resolvePaths(config, options.dataDir);
}

/** `file://` URL of an absolute path. */
const fileUrl = (absolute: string) => `file://${absolute.split('/').map(encodeURIComponent).join('/')}`;

/** The config with its relative dark, sidecar and mask paths made absolute against the data folder. */
export function resolvePaths(config: ExperimentConfig, dataDir: string): ExperimentConfig {
  const res = (p: string) => (paths.isAbsolute(p) ? p : paths.resolve(dataDir, p));
  const detectors = Object.fromEntries(
    Object.entries(config.detectors).map(([n, d]) => [n, { ...d, dark: d.dark === null ? null : res(d.dark) }]),
  );
  const values = Object.fromEntries(
    Object.entries(config.values).map(([n, v]) => [
      n,
      typeof v === 'object' && !Array.isArray(v) && v.sidecar !== undefined ? { ...v, sidecar: res(v.sidecar) } : v,
    ]),
  );
  const chain = (ts: TransformConfig[]) => ts.map((t) => ('mask' in t ? { mask: { file: res(t.mask.file) } } : t));
  const outputs = config.outputs.map((o) => ({
    ...o,
    transforms: chain(o.transforms),
    after: chain(o.after),
    sink:
      typeof o.sink === 'object' && 'topK' in o.sink
        ? {
            topK: {
              ...o.sink.topK,
              payloads: Object.fromEntries(Object.entries(o.sink.topK.payloads).map(([n, p]) => [n, { ...p, transforms: chain(p.transforms) }])),
            },
          }
        : o.sink,
  }));
  return { ...config, detectors, values, outputs };
}

/** Every mask file the outputs of a config apply (after resolvePaths: absolute). */
export function maskFiles(config: ExperimentConfig): string[] {
  const files = new Set<string>();
  const chain = (ts: TransformConfig[]) => ts.forEach((t) => 'mask' in t && files.add(t.mask.file));
  for (const o of config.outputs) {
    chain(o.transforms);
    chain(o.after);
    if (typeof o.sink === 'object' && 'topK' in o.sink) for (const p of Object.values(o.sink.topK.payloads)) chain(p.transforms);
  }
  return [...files];
}

/** Absolute path of the shipped `configs/kuschel2023.json` (from sources or from dist/). */
export function defaultConfigPath(): string {
  const candidates = ['../../../configs/kuschel2023.json', '../../../../configs/kuschel2023.json'].map((rel) =>
    decodeURIComponent(new URL(rel, import.meta.url).pathname),
  );
  return candidates.find((c) => files().stat(c)) ?? candidates[0];
}
