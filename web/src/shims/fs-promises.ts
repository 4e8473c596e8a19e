// `node:fs/promises` in the browser (reading .npy darks and sidecar files from mounted files).
import { readFileSync, statSync } from './fs.js';

export async function readFile(path: string | URL, encoding?: 'utf8' | { encoding?: 'utf8' }): Promise<Uint8Array | string> {
  return readFileSync(String(path), encoding);
}

export async function stat(path: string) {
  return statSync(path);
}

export default { readFile, stat };
