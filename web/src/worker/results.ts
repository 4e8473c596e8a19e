// The result files the analysis worker holds open: opened by the user (WORKERFS, read where they
// lie) or written by an analysis into memory (MEMFS), both read with the library's ResultFile.
// The page gets their metadata (shapes, units, NXdata axes, small datasets) and asks for the
// large datasets when it shows them.
import { openResult, type ResultFile } from '../../../bindings/analysis/results.js';
import type { ResultSource } from '../../../bindings/analysis/table/expression.js';
import { h5ready } from './setup.js';
import type { Data, ResultMeta } from '../types.js';

/** Datasets up to this many values come with the metadata (per-shot values of long runs, curves). */
const SMALL = 1 << 16;

const size = (shape: number[]) => shape.reduce((a, b) => a * b, 1);

/** The datasets that come along with metadata. */
export function small(datasets: Record<string, Data>): Record<string, Data> {
  return Object.fromEntries(Object.entries(datasets).filter(([, d]) => size(d.shape) <= SMALL));
}

interface Held {
  file: ResultFile;
  meta: ResultMeta;
}

const held = new Map<string, Held>();

type H5File = InstanceType<Awaited<typeof h5ready>['File']>;
type H5Entity = ReturnType<H5File['get']>;

function attrString(entity: H5Entity, name: string): string | null {
  const attrs = (entity as { attrs?: Record<string, { value: unknown }> } | null)?.attrs;
  const v = attrs?.[name]?.value;
  if (typeof v === 'string') return v;
  if (Array.isArray(v) && typeof v[0] === 'string') return v.join(',');
  return null;
}

function attrStrings(entity: H5Entity, name: string): string[] {
  const v = (entity as { attrs?: Record<string, { value: unknown }> } | null)?.attrs?.[name]?.value;
  if (typeof v === 'string') return [v];
  if (Array.isArray(v)) return v.map(String);
  return [];
}

/** The root dataset a member of an NXdata group stands for: a soft link to it, or one of the same name. */
function rootTarget(file: H5File, group: string, member: string, roots: Set<string>): string | null {
  try {
    const target = file.get_link(`${group}/${member}`);
    if (typeof target === 'string' && target.startsWith('/') && roots.has(target.slice(1))) return target.slice(1);
  } catch {
    // not a soft link
  }
  return roots.has(member) ? member : null;
}

/**
 * Units and axes as the file states them: the `units` attribute of each root dataset, and for
 * each NXdata group (under any NXentry) its signal with the root datasets of its axes.
 */
async function describe(path: string, names: string[]): Promise<Pick<ResultMeta, 'units' | 'axes'>> {
  const h5wasm = await h5ready;
  const file = new h5wasm.File(path, 'r');
  try {
    const roots = new Set(names);
    const units: Record<string, string> = {};
    for (const name of names) {
      const u = attrString(file.get(name), 'units');
      if (u) units[name] = u;
    }
    const axes: Record<string, (string | null)[]> = {};
    for (const top of file.keys()) {
      const entry = file.get(top);
      if (attrString(entry, 'NX_class') !== 'NXentry') continue;
      for (const child of (entry as { keys(): string[] }).keys()) {
        const groupPath = `/${top}/${child}`;
        const group = file.get(groupPath);
        if (attrString(group, 'NX_class') !== 'NXdata') continue;
        const signal = attrString(group, 'signal');
        const target = signal && rootTarget(file, groupPath, signal, roots);
        if (!target || target in axes) continue;
        axes[target] = attrStrings(group, 'axes').map((a) => (a === '.' ? null : rootTarget(file, groupPath, a, roots)));
      }
    }
    return { units, axes };
  } finally {
    file.close();
  }
}

/** Opens a result file under `id` (replacing what was held under it) and returns its metadata. */
export async function hold(id: string, path: string, label: string, analysed: boolean): Promise<ResultMeta> {
  release(id);
  const file = await openResult(path);
  try {
    if (!file.names.includes('runNR')) throw new Error('not a result file (no runNR dataset)');
    const warnings: string[] = [];
    const small: Record<string, Data> = {};
    for (const name of file.names) {
      if (size(file.shapes[name]) > SMALL) continue;
      try {
        small[name] = file.read(name);
      } catch (err) {
        warnings.push(`${name}: ${(err as Error).message}`);
      }
    }
    const meta: ResultMeta = {
      id,
      label,
      run: Number(small.runNR?.data[0] ?? file.attrs.run),
      attrs: file.attrs,
      shapes: file.shapes,
      ...(await describe(path, file.names)),
      small,
      config: file.config,
      analysed,
      warnings,
    };
    held.set(id, { file, meta });
    return meta;
  } catch (err) {
    file.close();
    throw err;
  }
}

function get(id: string): Held {
  const h = held.get(id);
  if (!h) throw new Error(`result ${id} is not open`);
  return h;
}

export const metaOf = (id: string): ResultMeta => get(id).meta;
export const pathOf = (id: string): string => get(id).file.path;
export const heldIds = (): string[] => [...held.keys()];

export function dataset(id: string, name: string): Data {
  return get(id).file.read(name);
}

/** Entry k along the first axis of a dataset (one top-k image or stack). */
export function slice(id: string, name: string, k: number): Data {
  const d = dataset(id, name);
  const shape = d.shape.slice(1);
  const n = size(shape);
  return { data: d.data.slice(k * n, (k + 1) * n) as Data['data'], shape };
}

/** A held result as the table's and the scan's expressions read it, units included. */
export function source(id: string): ResultSource & { id: string } {
  const { file, meta } = get(id);
  return {
    id,
    run: meta.run,
    path: meta.label,
    names: file.names,
    attrs: file.attrs,
    read: (name) => file.read(name),
    units: (name) => meta.units[name] ?? null,
  };
}

export function release(id: string): void {
  const h = held.get(id);
  if (!h) return;
  h.file.close();
  held.delete(id);
}
