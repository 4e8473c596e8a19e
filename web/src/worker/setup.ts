// Inside a worker: h5wasm's browser build handed to the package, the file-system shims wired to
// its Emscripten FS, and the user's File objects mounted with WORKERFS (read lazily, in place:
// a 10 GB run is never copied into memory).
import h5wasm from 'h5wasm';
import { useH5wasm } from '../../../bindings/data/h5.js';
import { setEmFS, emfs, type EmFS } from '../shims/emfs.js';
import { setCwd } from '../shims/path.js';
import type { MountFile } from '../types.js';

export const h5ready: Promise<typeof h5wasm> = (async () => {
  const module = (await h5wasm.ready) as unknown as { FS: EmFS };
  setEmFS(module.FS);
  setCwd(() => module.FS.cwd());
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
  const fs = emfs();
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
