// Reads of the user's files through Emscripten's WORKERFS cost ~0.9 ms each whatever their size
// (FileReaderSync asks the browser process for a slice of the File; measured in Chromium here:
// 512 B 0.92 ms, 64 KiB 0.98 ms, 4 MiB 9–13 ms), and HDF5 reads object headers and indexes a few
// hundred bytes at a time: ~10 such reads per shot beside the images. Small reads are served
// from a few cached blocks around them; large ones (images) go straight through, copied into
// the heap as bytes (WORKERFS's own read sets h5wasm's Int8Array heap from a Uint8Array, a
// conversion element by element). A file with a copy in the browser's storage is read from
// that instead (./storedCopies.ts), straight into the heap, no cache needed.
import { storedHandle } from './storedCopies.js';

const BLOCK = 1 << 16;
/** Blocks kept per file: a shot's headers lie near its images, a few places per shot. */
const KEPT = 32;

type Read = (stream: { node: WorkerNode }, buffer: Uint8Array | Int8Array, offset: number, length: number, position: number) => number;

interface WorkerNode {
  size: number;
  contents: Blob;
}

export interface WorkerFSType {
  stream_ops: { read: Read };
}

const patched = new WeakSet<object>();

/** Makes every WORKERFS file read small pieces through a block cache (once per file system). */
export function cacheSmallReads(workerfs: WorkerFSType): void {
  if (patched.has(workerfs)) return;
  patched.add(workerfs);
  const reader = new FileReaderSync();
  const cache = new WeakMap<WorkerNode, Map<number, Uint8Array>>();

  function block(node: WorkerNode, index: number): Uint8Array {
    let blocks = cache.get(node);
    if (!blocks) cache.set(node, (blocks = new Map()));
    let bytes = blocks.get(index);
    if (bytes) {
      // Most recently used last: the first is the one to drop.
      blocks.delete(index);
    } else {
      const start = index * BLOCK;
      bytes = new Uint8Array(reader.readAsArrayBuffer(node.contents.slice(start, Math.min(start + BLOCK, node.size))));
      if (blocks.size >= KEPT) blocks.delete(blocks.keys().next().value!);
    }
    blocks.set(index, bytes);
    return bytes;
  }

  workerfs.stream_ops.read = function (stream, buffer, offset, length, position) {
    const node = stream.node;
    if (position >= node.size) return 0;
    const end = Math.min(position + length, node.size);
    const stored = storedHandle(node.contents);
    if (stored) return stored.read(new Uint8Array(buffer.buffer, buffer.byteOffset + offset, end - position), { at: position });
    if (end - position > BLOCK) {
      // The file's bytes straight into the heap: a copy between arrays of one element type
      // (h5wasm passes its Int8Array heap, which the original sets from a Uint8Array
      // element by element).
      const bytes = new Uint8Array(reader.readAsArrayBuffer(node.contents.slice(position, end)));
      new Uint8Array(buffer.buffer, buffer.byteOffset + offset, bytes.length).set(bytes);
      return bytes.length;
    }
    let done = 0;
    for (let at = position; at < end; ) {
      const index = Math.floor(at / BLOCK);
      const bytes = block(node, index);
      const from = at - index * BLOCK;
      const n = Math.min(end - at, bytes.length - from);
      buffer.set(bytes.subarray(from, from + n), offset + done);
      done += n;
      at += n;
    }
    return done;
  };
}
