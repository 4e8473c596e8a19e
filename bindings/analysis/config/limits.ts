// What a config may ask for before it is refused (docs/config.md, "What is checked before a run
// starts"): caps on single entries, checked when the config is loaded, and a budget for the
// memory of the whole plan, checked once the run's detector shapes are known. Both exist so that
// a size that cannot fit is a ConfigError naming the entry, not an out-of-memory kill or a
// kernel abort an hour into a run.
import { ConfigError } from '../../core/errors.js';

/** The longest 1-D result an entry may make: histogram bins, axis lengths, radial profiles. */
export const MAX_LENGTH = 10_000_000;
/** The largest k of a top-k (each shot that enters is a sorted insert into k entries). */
export const MAX_TOP_K = 10_000;

const GiB = 2 ** 30;
/** Wasm32 addresses 4 GiB; the allocator needs room of its own beyond the plan's buffers. */
export const WASM_BUDGET = 3.5 * GiB;
/** The largest block AssemblyScript's allocator hands out (TLSF's BLOCK_MAXSIZE, 1 GiB − 16). */
export const WASM_BLOCK = GiB - 16;

/**
 * `12,345,678`. Integers by hand: the memory estimate of every plan formats its sizes, and the
 * first toLocaleString of a thread sets up ICU (~15 ms, in every worker).
 */
export const count = (n: number) => (Number.isSafeInteger(n) ? String(n).replace(/\B(?=(\d{3})+$)/g, ',') : n.toLocaleString('en-US'));

export function formatBytes(bytes: number): string {
  const units = ['B', 'KiB', 'MiB', 'GiB', 'TiB', 'PiB'];
  let v = bytes;
  let u = 0;
  while (v >= 1024 && u < units.length - 1) {
    v /= 1024;
    u++;
  }
  // Three significant digits: a budget of 1.00 GiB and a need of 1.04 GiB stay apart.
  return `${u === 0 ? v : v < 10 ? v.toFixed(2) : v < 100 ? v.toFixed(1) : Math.round(v)} ${units[u]}`;
}

/**
 * The machine's physical memory, or null where it cannot be known. No import (as core/files.ts
 * does it): a bundle for browsers never sees node:os, where navigator.deviceMemory (GB, rounded
 * down by the browser) stands in.
 */
export function machineMemory(): number | null {
  const g = globalThis as {
    process?: { getBuiltinModule?: (id: string) => unknown };
    navigator?: { deviceMemory?: number };
  };
  const os = g.process?.getBuiltinModule?.('node:os') as { totalmem(): number } | undefined;
  if (os) return os.totalmem();
  const gb = g.navigator?.deviceMemory;
  return typeof gb === 'number' && gb > 0 ? gb * 1e9 : null;
}

/** What one entry of a plan holds for a run: wasm memory, JavaScript memory, its largest wasm block. */
export interface Footprint {
  wasm: number;
  js: number;
  block: number;
}

export const NO_FOOTPRINT: Footprint = { wasm: 0, js: 0, block: 0 };

export interface MemoryEntry extends Footprint {
  /** The config entry ("output side_median: outputs[12].sink.median", "detectors.side_ccd"). */
  where: string;
  /** What it holds ("P² state of 1,048,576 elements"). */
  what: string;
}

const SHOWN = 4;

/**
 * Refuses a plan whose entries cannot fit: a wasm block larger than the allocator gives, wasm
 * memory beyond its budget, or wasm and JavaScript memory together beyond the machine's memory
 * (`machine`; null: unknown, not checked). The message lists the biggest entries.
 */
export function checkMemory(entries: readonly MemoryEntry[], machine: number | null = machineMemory()): void {
  const line = (e: MemoryEntry, bytes: number) => `${e.where} (${e.what}): ${formatBytes(bytes)}`;
  const biggest = (key: (e: MemoryEntry) => number) =>
    [...entries]
      .filter((e) => key(e) > 0)
      .sort((a, b) => key(b) - key(a))
      .slice(0, SHOWN)
      .map((e) => line(e, key(e)))
      .join('; ');
  const block = entries.reduce<MemoryEntry | null>((m, e) => (m && m.block >= e.block ? m : e), null);
  if (block && block.block > WASM_BLOCK) {
    throw new ConfigError(
      `${block.where} needs one buffer of ${formatBytes(block.block)} in kernel (wasm) memory (${block.what}), more than the ${formatBytes(WASM_BLOCK + 16)} a buffer may have`,
    );
  }
  const wasm = entries.reduce((a, e) => a + e.wasm, 0);
  if (wasm > WASM_BUDGET) {
    throw new ConfigError(
      `the outputs need about ${formatBytes(wasm)} of kernel (wasm) memory, more than the ${formatBytes(WASM_BUDGET)} a plan may use of wasm's 4 GiB; the largest: ${biggest((e) => e.wasm)}`,
    );
  }
  const total = wasm + entries.reduce((a, e) => a + e.js, 0);
  if (machine !== null && total > machine) {
    throw new ConfigError(
      `the outputs need about ${formatBytes(total)} of memory for this run, more than this machine's ${formatBytes(machine)}; the largest: ${biggest((e) => e.wasm + e.js)}`,
    );
  }
}
