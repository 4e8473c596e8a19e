// The web app's block cache under WORKERFS reads (web/src/worker/readCache.ts): every read,
// small or large, inside a block or across blocks or at the end of the file, gives the file's
// bytes, into h5wasm's Int8Array heap at the asked offset; small reads near each other cost
// one FileReaderSync call. FileReaderSync and the File are stand-ins here (Node has neither).
import { test, expect, beforeAll, afterAll } from 'vitest';
import { cacheSmallReads, type WorkerFSType } from '../../web/src/worker/readCache.js';

const SIZE = 300_000; // four and a half 64 KiB blocks
const bytes = Uint8Array.from({ length: SIZE }, (_, i) => (i * 7919 + (i >> 8)) & 0xff);
let calls = 0;

class FakeSlice {
  constructor(readonly start: number, readonly end: number) {}
}
const file = { size: SIZE, slice: (a: number, b: number) => new FakeSlice(a, Math.min(b, SIZE)) };

const saved = (globalThis as { FileReaderSync?: unknown }).FileReaderSync;
beforeAll(() => {
  (globalThis as { FileReaderSync?: unknown }).FileReaderSync = class {
    readAsArrayBuffer(slice: FakeSlice): ArrayBuffer {
      calls++;
      return bytes.slice(slice.start, slice.end).buffer;
    }
  };
});
afterAll(() => {
  (globalThis as { FileReaderSync?: unknown }).FileReaderSync = saved;
});

function workerfs(): WorkerFSType {
  // What WORKERFS's own read does, for the reads the cache passes on (never, with the patch).
  return { stream_ops: { read: () => { throw new Error('the original read was called'); } } };
}

test('every read gives the file bytes at the asked offset of an Int8Array heap, and returns how many', () => {
  const fs = workerfs();
  cacheSmallReads(fs);
  const stream = { node: { size: SIZE, contents: file as unknown as Blob } };
  const heap = new Int8Array(400_000);
  const cases: [number, number][] = [
    [0, 512], [100, 8], [65_530, 20], [131_000, 70_000], [70_000, 65_536], [65_536, 65_537],
    [299_990, 100], [SIZE, 10], [0, SIZE], [250_000, 1], [12_345, 200_000],
  ];
  for (const [position, length] of cases) {
    heap.fill(0);
    const offset = 1234;
    const n = fs.stream_ops.read(stream, heap, offset, length, position);
    const expected = bytes.subarray(position, Math.min(position + length, SIZE));
    expect(n, `read of ${length} at ${position}`).toBe(expected.length);
    expect(Array.from(new Uint8Array(heap.buffer, offset, n))).toEqual(Array.from(expected));
    expect(heap[offset - 1]).toBe(0);
    expect(heap[offset + n]).toBe(0);
  }
});

test('small reads in one block cost one call; a large read one call of its own; a read beyond the end none', () => {
  const fs = workerfs();
  cacheSmallReads(fs);
  const stream = { node: { size: SIZE, contents: file as unknown as Blob } };
  const heap = new Int8Array(200_000);
  calls = 0;
  for (let k = 0; k < 100; k++) fs.stream_ops.read(stream, heap, 0, 300, 1000 + k * 500);
  expect(calls).toBe(1);
  fs.stream_ops.read(stream, heap, 0, 100_000, 150_000);
  expect(calls).toBe(2);
  fs.stream_ops.read(stream, heap, 0, 100, SIZE + 5);
  expect(calls).toBe(2);
  // A read across a block boundary takes both blocks; the first was cached already.
  fs.stream_ops.read(stream, heap, 0, 1000, 65_000);
  expect(calls).toBe(3);
});
