// Inside a worker: h5wasm's browser build and its Emscripten file system handed to the package
// (`useH5wasm`, `useFiles`), and the user's File objects mounted with WORKERFS (read lazily, in
// place: a 10 GB run is never copied into memory).
import { useH5wasm, type H5Lib } from '../../../bindings/data/h5.js';
import { emscriptenFiles, useFiles, type EmscriptenFS } from '../../../bindings/core/files.js';
import type { MountFile } from '../types.js';
import { cacheSmallReads, type WorkerFSType } from './readCache.js';

/** The parts of h5wasm's FS the app uses besides FileAccess: mounting, and the current folder. */
export interface WorkerFS extends EmscriptenFS {
  analyzePath(path: string): { exists: boolean };
  mount(type: unknown, opts: unknown, mountpoint: string): void;
  unmount(mountpoint: string): void;
  chdir(path: string): void;
  filesystems: Record<string, unknown>;
}

export let workerFS: WorkerFS;

export const h5ready: Promise<H5Lib> = (async () => {
  // Imported on demand, so that both workers share one chunk of h5wasm's 5 MB.
  const h5wasm = (await import('h5wasm')).default;
  const module = (await h5wasm.ready) as unknown as { FS: WorkerFS };
  workerFS = module.FS;
  cacheSmallReads(module.FS.filesystems.WORKERFS as WorkerFSType);
  useFiles(emscriptenFiles(module.FS));
  await useH5wasm(h5wasm);
  return h5wasm;
})();

/**
 * Mounts `files` under `folder` (replacing what was mounted there) and makes it the current
 * folder when `cwd`, so config paths such as `darks/side_ccd` resolve against it as
 * `sacla analyse --data` does.
 */
export async function mountFiles(folder: string, files: MountFile[], cwd = false): Promise<void> {
  await h5ready;
  const fs = workerFS;
  if (fs.analyzePath(folder).exists) {
    if (fs.cwd() === folder || fs.cwd().startsWith(folder + '/')) fs.chdir('/');
    try {
      fs.unmount(folder);
    } catch {
      /* not a mount point */
    }
  } else {
    let cur = '';
    for (const part of folder.split('/').filter(Boolean)) {
      cur += '/' + part;
      if (!fs.analyzePath(cur).exists) fs.mkdir(cur);
    }
  }
  fs.mount(fs.filesystems.WORKERFS, { blobs: files.map((f) => ({ name: f.path, data: f.file })) }, folder);
  if (cwd) fs.chdir(folder);
}

/** Module workers that await wasm at the top level must say when they listen. */
export function announceReady(): void {
  (self as unknown as Worker).postMessage({ ready: true });
}
