// Makes the copies of run files in the browser's storage that ./storedCopies.ts reads: one file
// at a time, streamed from the user's File into `<name>.part` and renamed when whole, so a
// reader never sees a part. It makes room by removing the oldest copies of files not asked for
// now, and gives up on a file (it is then read where it lies) when the browser's quota cannot
// hold it. The page pauses it while an analysis runs: both would read the user's files.
import * as Comlink from 'comlink';
import { copiesFolder, copyName } from './storedCopies.js';
import type { MountFile } from '../types.js';

export interface CopyProgress {
  path: string;
  done: number;
  total: number;
  /** 'copying', 'stored' (already, or now), 'skipped' (why in `note`). */
  state: 'copying' | 'stored' | 'skipped';
  note?: string;
}

interface WritableHandle {
  write(data: Uint8Array, options: { at: number }): number;
  truncate(size: number): void;
  flush(): void;
  close(): void;
}

const PROGRESS_MS = 250;
// Room left beside a copy, for the browser's own bookkeeping and the result files.
const SPARE = 256 << 20;

let paused: Promise<void> | null = null;
let resume: (() => void) | null = null;
let queue = Promise.resolve();

async function entries(folder: FileSystemDirectoryHandle): Promise<{ name: string; size: number; time: number }[]> {
  const out = [];
  for await (const [name, handle] of (folder as unknown as { entries(): AsyncIterable<[string, FileSystemHandle]> }).entries()) {
    if (handle.kind !== 'file') continue;
    const file = await (handle as FileSystemFileHandle).getFile();
    out.push({ name, size: file.size, time: file.lastModified });
  }
  return out;
}

async function free(): Promise<number> {
  const { quota = 0, usage = 0 } = await navigator.storage.estimate();
  return quota - usage;
}

/** Removes copies (oldest first) not in `keep` until `bytes` fit; false if they cannot. */
async function makeRoom(folder: FileSystemDirectoryHandle, bytes: number, keep: Set<string>): Promise<boolean> {
  if ((await free()) >= bytes + SPARE) return true;
  const others = (await entries(folder)).filter((e) => !keep.has(e.name)).sort((a, b) => a.time - b.time);
  for (const e of others) {
    try {
      await folder.removeEntry(e.name);
    } catch {
      continue; // still read by a worker: kept
    }
    if ((await free()) >= bytes + SPARE) return true;
  }
  return false;
}

async function copyOne(folder: FileSystemDirectoryHandle, { path, file }: MountFile, report: (p: CopyProgress) => void): Promise<void> {
  const name = copyName(path, file);
  const part = `${name}.part`;
  const target = await folder.getFileHandle(part, { create: true });
  const handle = (await (target as unknown as { createSyncAccessHandle(): Promise<WritableHandle> }).createSyncAccessHandle()) as WritableHandle;
  let at = 0;
  try {
    handle.truncate(0);
    const reader = file.stream().getReader();
    let shown = 0;
    for (;;) {
      if (paused) await paused;
      const { done, value } = await reader.read();
      if (done) break;
      for (let written = 0; written < value.length; ) written += handle.write(value.subarray(written), { at: at + written });
      at += value.length;
      if (performance.now() - shown > PROGRESS_MS) {
        shown = performance.now();
        report({ path, done: at, total: file.size, state: 'copying' });
      }
    }
    handle.flush();
  } finally {
    handle.close();
  }
  if (at !== file.size) throw new Error(`read ${at} of its ${file.size} bytes`);
  await (target as unknown as { move(name: string): Promise<void> }).move(name);
}

async function storeAll(files: MountFile[], report: (p: CopyProgress) => void): Promise<void> {
  const folder = await copiesFolder(true);
  if (!folder || !('createSyncAccessHandle' in FileSystemFileHandle.prototype) || !('move' in FileSystemFileHandle.prototype)) {
    for (const f of files) report({ path: f.path, done: 0, total: f.file.size, state: 'skipped', note: 'this browser cannot keep copies (no synchronous file access): files are read where they lie' });
    return;
  }
  const wanted = new Set(files.map((f) => copyName(f.path, f.file)));
  const present = new Map((await entries(folder)).map((e) => [e.name, e.size]));
  for (const f of files) {
    const name = copyName(f.path, f.file);
    if (present.get(name) === f.file.size) {
      report({ path: f.path, done: f.file.size, total: f.file.size, state: 'stored' });
      continue;
    }
    if (present.has(`${name}.part`)) await folder.removeEntry(`${name}.part`).catch(() => {});
    if (!(await makeRoom(folder, f.file.size, wanted))) {
      const gb = (b: number) => `${(b / 1e9).toFixed(1)} GB`;
      report({ path: f.path, done: 0, total: f.file.size, state: 'skipped', note: `the browser's storage has room for ${gb(Math.max(0, (await free()) - SPARE))}, not ${gb(f.file.size)}: read where it lies` });
      continue;
    }
    try {
      await copyOne(folder, f, report);
      report({ path: f.path, done: f.file.size, total: f.file.size, state: 'stored' });
    } catch (err) {
      await folder.removeEntry(`${name}.part`).catch(() => {});
      report({ path: f.path, done: 0, total: f.file.size, state: 'skipped', note: `copying failed (${(err as Error).message || String(err)}): read where it lies` });
    }
  }
}

const api = {
  /** Copies those of `files` that have no copy yet, in turn after any earlier request. */
  store(files: MountFile[], report: (p: CopyProgress) => void): Promise<void> {
    const job = queue.then(() => storeAll(files, report));
    queue = job.catch(() => {});
    return job;
  },
  pause(): void {
    paused ??= new Promise((resolve) => (resume = resolve));
  },
  resume(): void {
    resume?.();
    paused = resume = null;
  },
  /** The copies kept, and their bytes. */
  async usage(): Promise<{ files: number; bytes: number }> {
    const folder = await copiesFolder();
    const all = folder ? (await entries(folder)).filter((e) => !e.name.endsWith('.part')) : [];
    return { files: all.length, bytes: all.reduce((s, e) => s + e.size, 0) };
  },
  /** Removes every copy no worker is reading; returns how many are left. */
  async clear(): Promise<number> {
    const folder = await copiesFolder();
    if (!folder) return 0;
    let left = 0;
    for (const e of await entries(folder)) await folder.removeEntry(e.name).catch(() => left++);
    return left;
  },
};
export type CopyApi = typeof api;

Comlink.expose(api);
(self as unknown as Worker).postMessage({ ready: true });
