// The datasets the run view draws, fetched when a panel showing them is on screen: from a held
// result file (once each), or from the running analysis (./preview in the worker: the visible
// outputs merged every few seconds, while the page is visible and has drawn the last ones).
import { useEffect, useSyncExternalStore } from 'react';
import { api } from '../../api.js';
import type { Data, Preview, ResultMeta } from '../../types.js';

// Between two live previews (after the last one has been drawn).
const PREVIEW_MS = 2000;
// The live preview's pictures are at most this many pixels on a side: what a panel shows.
const PREVIEW_SIDE = 256;

export class RunData {
  readonly #data = new Map<string, Data>();
  readonly #wanted = new Map<string, number>();
  readonly #shapes = new Map<string, number[]>();
  readonly #listeners = new Set<() => void>();
  #version = 0;
  #pending = new Set<string>();
  #stopped = false;
  #timer: ReturnType<typeof setTimeout> | null = null;
  /** Shots merged into the preview shown (live only). */
  done = 0;

  constructor(
    readonly meta: ResultMeta | null,
    private readonly live: boolean,
    /** A live preview's first answer (every dataset's shape, units and axes, and the small ones), to lay the panels out. */
    private readonly onFirst?: (first: Preview) => void,
  ) {
    if (meta) for (const [k, v] of Object.entries(meta.small)) this.#data.set(k, v);
    if (live) this.#schedule(0);
  }

  get version(): number {
    return this.#version;
  }

  get(name: string): Data | undefined {
    return this.#data.get(name);
  }

  /** A dataset's full shape (a live preview's pictures come averaged down). */
  shapeOf(name: string): number[] | undefined {
    return this.#shapes.get(name) ?? this.meta?.shapes[name];
  }

  subscribe = (listener: () => void): (() => void) => {
    this.#listeners.add(listener);
    return () => this.#listeners.delete(listener);
  };

  #changed(): void {
    this.#version++;
    for (const l of this.#listeners) l();
  }

  /** A panel on screen needs these datasets (call the returned function when it is gone). */
  want(names: string[]): () => void {
    for (const n of names) this.#wanted.set(n, (this.#wanted.get(n) ?? 0) + 1);
    if (!this.live) void this.#fetchMissing();
    return () => {
      for (const n of names) {
        const c = (this.#wanted.get(n) ?? 1) - 1;
        if (c) this.#wanted.set(n, c);
        else this.#wanted.delete(n);
      }
    };
  }

  async #fetchMissing(): Promise<void> {
    const id = this.meta!.id;
    for (const name of this.#wanted.keys()) {
      if (this.#data.has(name) || this.#pending.has(name) || !(name in this.meta!.shapes)) continue;
      this.#pending.add(name);
      try {
        this.#data.set(name, await api.dataset(id, name));
        this.#changed();
      } catch {
        // The summary lists the datasets that could not be read.
      } finally {
        this.#pending.delete(name);
      }
    }
  }

  #schedule(ms: number): void {
    if (this.#stopped) return;
    this.#timer = setTimeout(() => void this.#preview(), ms);
  }

  async #preview(): Promise<void> {
    if (this.#stopped) return;
    if (document.hidden) return this.#schedule(PREVIEW_MS);
    const first = this.onFirst && this.done === 0;
    const names = first ? null : [...this.#wanted.keys()];
    const p = names && !names.length ? null : await api.preview(names, PREVIEW_SIDE).catch(() => null);
    if (this.#stopped) return;
    if (p) {
      this.done = p.done;
      for (const [k, v] of Object.entries(p.datasets)) this.#data.set(k, v);
      for (const [k, v] of Object.entries(p.shapes)) this.#shapes.set(k, v);
      if (first) this.onFirst!(p);
      this.#changed();
    }
    // The next one once this one is on screen; soon after the first, which only laid the panels out.
    requestAnimationFrame(() => this.#schedule(p && !first ? PREVIEW_MS : PREVIEW_MS / 4));
  }

  stop(): void {
    this.#stopped = true;
    if (this.#timer) clearTimeout(this.#timer);
  }
}

/** The datasets `names` of `data` (undefined until fetched); re-renders as they arrive. */
export function useDatasets(data: RunData, names: string[]): (Data | undefined)[] {
  const key = names.join('\n');
  useEffect(() => data.want(names), [data, key]);
  useSyncExternalStore(data.subscribe, () => data.version);
  return names.map((n) => data.get(n));
}
