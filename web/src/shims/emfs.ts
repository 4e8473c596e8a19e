// The h5wasm (Emscripten) file system, handed over by the worker once h5wasm is ready.
export interface EmFS {
  stat(path: string): { mode: number; size: number; mtime: Date };
  isDir(mode: number): boolean;
  isFile(mode: number): boolean;
  readdir(path: string): string[];
  readFile(path: string, opts?: { encoding?: 'utf8' | 'binary' }): Uint8Array | string;
  writeFile(path: string, data: Uint8Array | string): void;
  mkdir(path: string): void;
  rmdir(path: string): void;
  unlink(path: string): void;
  rename(from: string, to: string): void;
  mount(type: unknown, opts: unknown, mountpoint: string): void;
  unmount(mountpoint: string): void;
  chdir(path: string): void;
  cwd(): string;
  analyzePath(path: string): { exists: boolean };
  filesystems: Record<string, unknown>;
}

let fs: EmFS | null = null;

export function setEmFS(value: EmFS): void {
  fs = value;
}

export function emfs(): EmFS {
  if (!fs) throw new Error('the file system is not ready (h5wasm not loaded in this worker)');
  return fs;
}

/** Node-like errors (code ENOENT, ...) from Emscripten's ErrnoError. */
export function nodeError(err: unknown, syscall: string, path: string): Error {
  const errno = (err as { errno?: number })?.errno;
  const code = errno === 44 ? 'ENOENT' : errno === 54 ? 'ENOTDIR' : errno === 31 ? 'EISDIR' : 'EIO';
  const e = new Error(`${code}: ${code === 'ENOENT' ? 'no such file or directory' : 'file system error'}, ${syscall} '${path}'`) as Error & { code: string };
  e.code = code;
  return e;
}
