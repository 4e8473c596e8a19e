// `node:path` in the browser: the POSIX functions the package uses, for paths of the h5wasm
// file system (relative paths are resolved against its current folder, which the worker sets).
export const sep = '/';

function normalizeParts(parts: string[], absolute: boolean): string[] {
  const out: string[] = [];
  for (const p of parts) {
    if (!p || p === '.') continue;
    if (p === '..') {
      if (out.length && out[out.length - 1] !== '..') out.pop();
      else if (!absolute) out.push('..');
    } else out.push(p);
  }
  return out;
}

export function normalize(path: string): string {
  const absolute = path.startsWith('/');
  const body = normalizeParts(path.split('/'), absolute).join('/');
  return (absolute ? '/' : '') + body || (absolute ? '/' : '.');
}

export function join(...parts: string[]): string {
  return normalize(parts.filter((p) => p !== '').join('/'));
}

export function isAbsolute(path: string): boolean {
  return path.startsWith('/');
}

let cwd = () => '/';
/** The worker tells the shim what "current folder" means (the h5wasm FS's cwd). */
export function setCwd(fn: () => string): void {
  cwd = fn;
}

export function resolve(...parts: string[]): string {
  let path = '';
  for (let i = parts.length - 1; i >= 0 && !isAbsolute(path); i--) path = parts[i] + (path ? '/' + path : '');
  if (!isAbsolute(path)) path = cwd() + '/' + path;
  return normalize(path);
}

export function dirname(path: string): string {
  const i = path.replace(/\/+$/, '').lastIndexOf('/');
  if (i < 0) return '.';
  if (i === 0) return '/';
  return path.slice(0, i);
}

export function basename(path: string, ext?: string): string {
  const base = path.replace(/\/+$/, '').split('/').pop() ?? '';
  return ext && base.endsWith(ext) ? base.slice(0, -ext.length) : base;
}

export function extname(path: string): string {
  const base = basename(path);
  const i = base.lastIndexOf('.');
  return i <= 0 ? '' : base.slice(i);
}

export function relative(from: string, to: string): string {
  const a = resolve(from).split('/').filter(Boolean);
  const b = resolve(to).split('/').filter(Boolean);
  let i = 0;
  while (i < a.length && i < b.length && a[i] === b[i]) i++;
  return [...a.slice(i).map(() => '..'), ...b.slice(i)].join('/');
}

export const posix = { sep, normalize, join, isAbsolute, resolve, dirname, basename, extname, relative };
export default posix;
