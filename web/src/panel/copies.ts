// The copies of opened run files in the browser's storage (./worker/storedCopies.ts): made in
// their own worker after the files are opened (when "keep copies" is ticked: the default),
// paused while an analysis runs, shown with their progress, removable. An analysis reads a run
// from its copy once the copy is whole, at disk speed instead of the browser's File speed.
import * as Comlink from 'comlink';
import { api } from '../api.js';
import { spawn } from '../worker/spawn.js';
import type { CopyApi, CopyProgress } from '../worker/copy.worker.js';
import { h } from '../dom.js';
import { $, errorText } from './state.js';
import type { MountFile } from '../types.js';

const KEEP = 'sacla.keepCopies';
let worker: Promise<Comlink.Remote<CopyApi>> | null = null;
const states = new Map<string, CopyProgress>();
// Reports of the copies of files opened before the current ones are not shown.
let generation = 0;

const copier = () =>
  (worker ??= spawn<CopyApi>(() => new Worker(new URL('../worker/copy.worker.ts', import.meta.url), { type: 'module', name: 'sacla-copies' })).then((w) => w.api));

const gb = (bytes: number) => `${(bytes / 1e9).toFixed(bytes < 1e9 ? 2 : 1)} GB`;

function show(): void {
  const box = $('copy-status');
  const lines = [...states.values()].map((p) => {
    const text =
      p.state === 'copying'
        ? `${p.path}: copying into the browser's storage, ${Math.floor((100 * p.done) / Math.max(1, p.total))} % of ${gb(p.total)}`
        : p.state === 'stored'
          ? `${p.path}: read from the browser's copy (${gb(p.total)})`
          : `${p.path}: ${p.note}`;
    return h('li', { dataset: { state: p.state } }, text);
  });
  box.replaceChildren(...lines);
  const all = [...states.values()];
  box.dataset.state = all.some((p) => p.state === 'copying') ? 'copying' : all.length && all.every((p) => p.state === 'stored') ? 'stored' : 'idle';
}

/** Clears what is shown of the copies of the files opened before (other files are being opened). */
export function forgetCopies(): void {
  generation++;
  states.clear();
  show();
}

/** Starts copying the opened run files (those not copied yet), if copies are kept. */
export function keepCopies(files: MountFile[]): void {
  forgetCopies();
  const mine = generation;
  if (!$<HTMLInputElement>('keep-copies').checked || !files.length) return;
  void copier()
    .then((c) =>
      c.store(
        files,
        Comlink.proxy((p: CopyProgress) => {
          if (mine !== generation) return;
          states.set(p.path, p);
          show();
        }),
      ),
    )
    .catch((err) => {
      if (mine !== generation) return;
      $('copy-status').replaceChildren(h('li', {}, `copies: ${errorText(err)}`));
    });
}

/** An analysis reads the user's files too: copying waits for it. */
export const pauseCopies = () => void worker?.then((c) => c.pause());
export const resumeCopies = () => void worker?.then((c) => c.resume());

export function setUpCopies(): void {
  const box = $<HTMLInputElement>('keep-copies');
  box.checked = localStorage.getItem(KEEP) !== 'no';
  box.onchange = () => localStorage.setItem(KEEP, box.checked ? 'yes' : 'no');
  $('remove-copies').onclick = async () => {
    try {
      await api.detachCopies();
      const c = await copier();
      const before = await c.usage();
      const left = await c.clear();
      states.clear();
      show();
      $('copy-status').replaceChildren(
        h('li', {}, `removed ${before.files - left} cop${before.files - left === 1 ? 'y' : 'ies'} (${gb(before.bytes)})${left ? `; ${left} still being read or written` : ''}`),
      );
    } catch (err) {
      $('copy-status').replaceChildren(h('li', {}, `copies: ${errorText(err)}`));
    }
  };
}
