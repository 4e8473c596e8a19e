// Allocation for buffers the TypeScript side owns (TLSF heap of the minimal runtime).
// Blocks are 16-byte aligned, which suits v128 loads.

export function alloc(bytes: usize): usize {
  return heap.alloc(bytes);
}

export function free(ptr: usize): void {
  heap.free(ptr);
}
