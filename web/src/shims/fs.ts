// `node:fs` in the browser, over the h5wasm file system (user files mounted read-only with
// WORKERFS). Only what the package calls while reading runs, darks and sidecars; writing
// functions exist so that imports resolve, and write to the in-memory file system.
import { emfs, nodeError } from './emfs.js';

class Stats {
  constructor(
    private readonly mode: number,
    readonly size: number,
    readonly mtime: Date,
  ) {}
  isFile(): boolean {
    return emfs().isFile(this.mode);
  }
  isDirectory(): boolean {
    return emfs().isDir(this.mode);
  }
}

export type { Stats };

export function statSync(path: string): Stats {
  try {
    const st = emfs().stat(path);
    return new Stats(st.mode, st.size, st.mtime);
  } catch (err) {
    throw nodeError(err, 'stat', path);
  }
}

export function existsSync(path: string): boolean {
  return emfs().analyzePath(path).exists;
}

export function readdirSync(path: string): string[] {
  try {
    return emfs()
      .readdir(path)
      .filter((n) => n !== '.' && n !== '..');
  } catch (err) {
    throw nodeError(err, 'scandir', path);
  }
}

export function readFileSync(path: string, encoding?: 'utf8' | { encoding?: 'utf8' }): Uint8Array | string {
  const enc = typeof encoding === 'string' ? encoding : encoding?.encoding;
  try {
    return emfs().readFile(path, enc ? { encoding: 'utf8' } : undefined);
  } catch (err) {
    throw nodeError(err, 'open', path);
  }
}

export function writeFileSync(path: string, data: Uint8Array | string): void {
  emfs().writeFile(path, data);
}

export function mkdirSync(path: string, _opts?: { recursive?: boolean }): void {
  let cur = '';
  for (const part of path.split('/').filter(Boolean)) {
    cur += '/' + part;
    if (!existsSync(cur)) emfs().mkdir(cur);
  }
}

export function renameSync(from: string, to: string): void {
  emfs().rename(from, to);
}

export function rmSync(path: string, _opts?: unknown): void {
  if (existsSync(path)) emfs().unlink(path);
}

export default { statSync, existsSync, readdirSync, readFileSync, writeFileSync, mkdirSync, renameSync, rmSync };
