// Where the library's files come from. Everything that lists, reads or writes a file (folders
// of runs, darks, masks, sidecars, configs, result files) goes through one FileAccess, so the
// same code runs in Node (the real file system, the default there) and in a browser worker
// (the user's files mounted in h5wasm's Emscripten file system: `useFiles(emscriptenFiles(FS))`).
// Paths are POSIX strings in both.
import { DataError } from './errors.js';

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
  /** Removes an empty folder. */
  removeFolder(path: string): void;
  /** The folder relative paths are relative to. */
  cwd(): string;
}

let current: FileAccess | null = null;

/** Makes `access` the library's file access (a browser worker hands over its mounted files). */
export function useFiles(access: FileAccess): void {
  current = access;
}

type NodeFs = typeof import('node:fs');
type Builtin = (id: string) => unknown;
const builtin = (): Builtin | undefined => (globalThis as { process?: { getBuiltinModule?: Builtin } }).process?.getBuiltinModule;

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
    mkdir(path) {
      // Not fs.mkdirSync(path, { recursive: true }): where mkdir(2) answers ENOENT although the
      // parent exists (/proc/foo), Node retries forever, blocking signals too. One level at a time,
      // each failure thrown, ends.
      const missing: string[] = [];
      for (let at = paths.resolve(path); !fs.existsSync(at); at = paths.dirname(at)) {
        missing.unshift(at);
        if (at === '/') break;
      }
      for (const folder of missing) {
        try {
          fs.mkdirSync(folder);
        } catch (err) {
          if ((err as { code?: string }).code !== 'EEXIST') throw err;
        }
      }
      if (!fs.statSync(path).isDirectory()) throw new Error(`${path} is not a folder`);
    },
    rename: (from, to) => fs.renameSync(from, to),
    remove: (path) => fs.rmSync(path, { force: true }),
    removeFolder: (path) => fs.rmdirSync(path),
    cwd: () => process.cwd(),
  };
}

/** The library's file access: the one handed over, or in Node the real file system. */
export function files(): FileAccess {
  if (!current) {
    const load = builtin();
    if (!load) throw new Error('sacla-analysis: no file access here: hand one over with useFiles() (a browser worker: useFiles(emscriptenFiles(FS)))');
    current = nodeFiles(load('node:fs') as NodeFs);
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
  rmdir(path: string): void;
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
    removeFolder: (path) => fs.rmdir(path),
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

/** This machine's name (in a browser: "browser"): temporary files say who writes them. */
function hostName(): string {
  const os = builtin()?.('node:os') as { hostname(): string } | undefined;
  return (os?.hostname() || 'browser').replace(/[^A-Za-z0-9_-]/g, '_');
}

/**
 * Where a file is written before it is renamed to `path`, so that a crash never leaves a half
 * file under the final name: `<path>.<host>.<pid>.tmp` (in a browser, a random number for the
 * pid), which tells `isStaleTemporary` whose it is.
 */
export function temporaryPath(path: string): string {
  const pid = (globalThis as { process?: { pid?: number } }).process?.pid ?? Math.floor(Math.random() * 1e9);
  return `${path}.${hostName()}.${pid}.tmp`;
}

/**
 * Creates `folder` if needed, then writes and removes a small probe file in it: a full disk, a
 * quota, a read-only mount or missing permissions show here, before any work. The folders it
 * made are removed again, so that work that fails later leaves nothing behind (the writer
 * makes them again). Throws a DataError naming the folder and the cause.
 */
export function checkWritable(folder: string): void {
  const made: string[] = [];
  for (let at = paths.resolve(folder); !files().stat(at) && at !== '/'; at = paths.dirname(at)) made.unshift(at);
  try {
    try {
      files().mkdir(folder);
    } catch (err) {
      throw new DataError(`cannot create the folder ${folder}: ${(err as Error).message}`);
    }
    const probe = temporaryPath(paths.join(folder, '.sacla-write-probe'));
    try {
      files().write(probe, new TextEncoder().encode('sacla checks that files can be written here\n'));
    } catch (err) {
      throw new DataError(`cannot write in ${folder}: ${(err as Error).message}`);
    } finally {
      try {
        files().remove(probe);
      } catch {
        // Nothing was created, or the folder forbids removing: the write above said why.
      }
    }
  } finally {
    for (const at of made.reverse()) {
      try {
        if (files().stat(at)) files().removeFolder(at);
      } catch {
        // Not empty (someone else writes there now) or not ours to remove: it stays.
      }
    }
  }
}

/** A probe file of `checkWritable` (left behind only by a process killed in between). */
export const isWriteProbe = (name: string) => name.startsWith('.sacla-write-probe.') && name.endsWith('.tmp');

/**
 * A writer of a temporary file touches it at least every few seconds until it renames it; one
 * untouched for this long was left by a process that was killed (on any machine sharing the
 * folder).
 */
const STALE_TEMPORARY_MS = 10 * 60_000;

/**
 * Whether a temporary file (named by `temporaryPath`) was left by a process that is gone: its
 * process on this machine is no longer running, or it has not been touched for
 * STALE_TEMPORARY_MS (a process on another machine cannot be asked).
 */
export function isStaleTemporary(path: string, now = Date.now()): boolean {
  const stat = files().stat(path);
  if (!stat || stat.kind !== 'file') return false;
  if (now - stat.mtimeMs >= STALE_TEMPORARY_MS) return true;
  const m = /\.([A-Za-z0-9_-]+)\.(\d+)\.tmp$/.exec(path);
  const proc = (globalThis as { process?: { pid?: number; kill?(pid: number, signal: 0): void } }).process;
  if (!m || m[1] !== hostName() || !proc?.kill) return false;
  const pid = Number(m[2]);
  if (pid === proc.pid) return false;
  try {
    proc.kill(pid, 0);
    return false;
  } catch (err) {
    // EPERM: the process exists (another user's).
    return (err as { code?: string }).code === 'ESRCH';
  }
}
