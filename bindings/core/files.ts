// Where the library's files come from. Everything that lists, reads or writes a file (folders
// of runs, darks, masks, sidecars, configs, result files) goes through one FileAccess, so the
// same code runs in Node (the real file system, the default there) and in a browser worker
// (the user's files mounted in h5wasm's Emscripten file system: `useFiles(emscriptenFiles(FS))`).
// Paths are POSIX strings in both.

export interface FileStat {
  kind: 'file' | 'folder';
  size: number;
  mtimeMs: number;
}

export interface FileAccess {
  /** What is at `path`, or null when nothing is. */
  stat(path: string): FileStat | null;
  /** The names in a folder. */
  list(folder: string): string[];
  read(path: string): Uint8Array;
  write(path: string, bytes: Uint8Array): void;
  /** Creates a folder and its parents (nothing when it exists). */
  mkdir(path: string): void;
  rename(from: string, to: string): void;
  /** Removes a file (nothing when it is not there). */
  remove(path: string): void;
  /** The folder relative paths are relative to. */
  cwd(): string;
}

let current: FileAccess | null = null;

/** Makes `access` the library's file access (a browser worker hands over its mounted files). */
export function useFiles(access: FileAccess): void {
  current = access;
}

type NodeFs = typeof import('node:fs');

/** The real file system of a Node process (no import: bundles for browsers never see node:fs). */
function nodeFiles(fs: NodeFs): FileAccess {
  return {
    stat(path) {
      try {
        const st = fs.statSync(path);
        return { kind: st.isDirectory() ? 'folder' : 'file', size: st.size, mtimeMs: st.mtimeMs };
      } catch {
        return null;
      }
    },
    list: (folder) => fs.readdirSync(folder),
    read: (path) => fs.readFileSync(path),
    write: (path, bytes) => fs.writeFileSync(path, bytes),
    mkdir: (path) => void fs.mkdirSync(path, { recursive: true }),
    rename: (from, to) => fs.renameSync(from, to),
    remove: (path) => fs.rmSync(path, { force: true }),
    cwd: () => process.cwd(),
  };
}

/** The library's file access: the one handed over, or in Node the real file system. */
export function files(): FileAccess {
  if (!current) {
    const builtin = (globalThis as { process?: { getBuiltinModule?: (id: string) => unknown } }).process?.getBuiltinModule;
    if (!builtin) throw new Error('sacla-analysis: no file access here: hand one over with useFiles() (a browser worker: useFiles(emscriptenFiles(FS)))');
    current = nodeFiles(builtin('node:fs') as NodeFs);
  }
  return current;
}

/** The parts of an Emscripten FS object (h5wasm's `FS`) that FileAccess needs. */
export interface EmscriptenFS {
  stat(path: string): { mode: number; size: number; mtime: Date };
  isDir(mode: number): boolean;
  readdir(path: string): string[];
  readFile(path: string): Uint8Array;
  writeFile(path: string, data: Uint8Array): void;
  mkdir(path: string): void;
  rename(from: string, to: string): void;
  unlink(path: string): void;
  cwd(): string;
}

/** A FileAccess over an Emscripten file system (in a browser: the files mounted with WORKERFS). */
export function emscriptenFiles(fs: EmscriptenFS): FileAccess {
  const stat = (path: string): FileStat | null => {
    try {
      const st = fs.stat(path);
      return { kind: fs.isDir(st.mode) ? 'folder' : 'file', size: st.size, mtimeMs: st.mtime.getTime() };
    } catch {
      return null;
    }
  };
  return {
    stat,
    list: (folder) => fs.readdir(folder).filter((n) => n !== '.' && n !== '..'),
    read: (path) => fs.readFile(path),
    write: (path, bytes) => fs.writeFile(path, bytes),
    mkdir(path) {
      let at = path.startsWith('/') ? '' : fs.cwd();
      for (const part of path.split('/').filter(Boolean)) {
        at += '/' + part;
        if (!stat(at)) fs.mkdir(at);
      }
    },
    rename: (from, to) => fs.rename(from, to),
    remove(path) {
      if (stat(path)) fs.unlink(path);
    },
    cwd: () => fs.cwd(),
  };
}

/** POSIX path operations on strings (the same in Node and in browsers). */
export const paths = {
  isAbsolute: (p: string) => p.startsWith('/'),
  join(...parts: string[]): string {
    return normalize(parts.filter((p) => p !== '').join('/'));
  },
  /** An absolute path: the parts joined from the last absolute one, relative ones against cwd. */
  resolve(...parts: string[]): string {
    let out = '';
    for (let i = parts.length - 1; i >= 0 && !out.startsWith('/'); i--) out = out ? `${parts[i]}/${out}` : parts[i];
    return normalize(out.startsWith('/') ? out : `${files().cwd()}/${out}`);
  },
  dirname(p: string): string {
    const n = normalize(p);
    const i = n.lastIndexOf('/');
    return i < 0 ? '.' : i === 0 ? '/' : n.slice(0, i);
  },
  basename(p: string): string {
    const n = normalize(p);
    return n.slice(n.lastIndexOf('/') + 1);
  },
};

/** Collapses `//`, `.` and `..` (a leading `..` of a relative path stays). */
function normalize(p: string): string {
  const absolute = p.startsWith('/');
  const out: string[] = [];
  for (const part of p.split('/')) {
    if (part === '' || part === '.') continue;
    if (part === '..' && out.length && out[out.length - 1] !== '..') out.pop();
    else if (part !== '..' || !absolute) out.push(part);
  }
  const joined = out.join('/');
  return absolute ? `/${joined}` : joined || '.';
}

/**
 * Where a file is written before it is renamed to `path`, so that a crash never leaves a half
 * file under the final name: `<path>.<pid>.tmp` (in a browser, a random number for the pid).
 */
export function temporaryPath(path: string): string {
  const pid = (globalThis as { process?: { pid?: number } }).process?.pid ?? Math.floor(Math.random() * 1e9);
  return `${path}.${pid}.tmp`;
}
