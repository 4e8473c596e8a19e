// Bins from their centres, for steps over histogram bins and for the pixels of images whose
// axis gives one value per pixel.

/** Bin edges from bin centres: halfway between neighbours, the outer ones mirrored. */
export function edgesOf(centres: ArrayLike<number>): Float64Array {
  const n = centres.length;
  const e = new Float64Array(n + 1);
  for (let i = 1; i < n; i++) e[i] = (centres[i - 1] + centres[i]) / 2;
  e[0] = n > 1 ? centres[0] - (centres[1] - centres[0]) / 2 : centres[0] - 0.5;
  e[n] = n > 1 ? centres[n - 1] + (centres[n - 1] - centres[n - 2]) / 2 : centres[0] + 0.5;
  return e;
}

/** The bin of x among ascending edges (clamped to the bins). */
export function binOf(edges: ArrayLike<number>, x: number): number {
  let lo = 0;
  let hi = edges.length - 2;
  while (lo < hi) {
    const mid = (lo + hi + 1) >> 1;
    if (edges[mid] <= x) lo = mid;
    else hi = mid - 1;
  }
  return lo;
}
