// Copies of the user's run files in the browser's own storage (the origin-private file system,
// OPFS), read through synchronous access handles: a read there is a system call on a file of
// the browser's profile, ~20 GB/s from the page cache, where a read of the user's `File` goes
// through the browser process at 400–900 MB/s (docs/web.md, "Speed"). Files stay where they
// lie until a copy is complete; a copy is named after the file's path, size and modification
// time, so a changed file is never served from an old copy. ./copy.worker.ts makes them.

/** The folder of the copies in the origin-private file system. */
export const COPIES_FOLDER = 'run-copies';

/** A synchronous access handle as far as readers use one (read-only mode: several at once). */
export interface SyncHandle {
  read(into: Uint8Array, options: { at: number }): number;
  getSize(): number;
  close(): void;
}

type OpenHandle = (options: { mode: 'read-only' }) => Promise<SyncHandle>;

/** The name of a file's copy: what identifies its bytes (a file changed in place gets a new time). */
export function copyName(path: string, file: Blob & { lastModified?: number }): string {
  const safe = path.replace(/[^\w.-]+/g, '_').slice(-120);
  return `${file.size}-${file.lastModified ?? 0}-${safe}`;
}

export async function copiesFolder(create = false): Promise<FileSystemDirectoryHandle | null> {
  if (!navigator.storage?.getDirectory) return null;
  try {
    const root = await navigator.storage.getDirectory();
    return await root.getDirectoryHandle(COPIES_FOLDER, { create });
  } catch {
    return null;
  }
}

// The handles this worker reads through, by the File they stand for (WORKERFS keeps the File
// it was given as the node's contents).
const attached = new Map<Blob, SyncHandle>();

/** The handle to read `file` through instead of the File itself, if its copy is attached. */
export function storedHandle(file: Blob): SyncHandle | undefined {
  return attached.get(file);
}

/**
 * Reads each of `files` from its complete copy where there is one (a read-only handle on it,
 * checked to have the file's size), from the File otherwise; handles of files no longer listed
 * are closed, so that their copies can be removed. Returns the paths read from copies.
 */
export async function attachStoredCopies(files: { path: string; file: File }[]): Promise<string[]> {
  const keep = new Set<Blob>(files.map((f) => f.file));
  for (const [file, handle] of attached) {
    if (!keep.has(file)) {
      handle.close();
      attached.delete(file);
    }
  }
  const folder = await copiesFolder();
  if (!folder) return [];
  const stored: string[] = [];
  for (const { path, file } of files) {
    if (attached.has(file)) {
      stored.push(path);
      continue;
    }
    try {
      const entry = await folder.getFileHandle(copyName(path, file));
      const handle = await (entry as unknown as { createSyncAccessHandle: OpenHandle }).createSyncAccessHandle({ mode: 'read-only' });
      if (handle.getSize() !== file.size) {
        handle.close();
        continue;
      }
      attached.set(file, handle);
      stored.push(path);
    } catch {
      // No copy (or a browser without read-only handles): the File it is.
    }
  }
  return stored;
}

/** Closes every handle (before the copies are removed). */
export function detachStoredCopies(): void {
  for (const handle of attached.values()) handle.close();
  attached.clear();
}
