// Seeded random data for tests and benchmarks, on the project's own PRNG (the one that
// writes synthetic runs): the same seed gives the same data on every machine.
import { Rng } from '../../bindings/data/random.js';

/** Uniform numbers in [0, 1) from a seed. */
export function rng(seed: number): () => number {
  const r = new Rng(seed);
  return () => r.uniform();
}

/** A detector-like float32 image: noise around `offset` with a fraction `hits` of bright photon hits. */
export function detectorImage(length: number, seed: number, { offset = 0, noise = 30, hits = 0.01, hitValue = 3650 } = {}): Float32Array {
  const r = new Rng(seed);
  const out = new Float32Array(length);
  for (let i = 0; i < length; i++) {
    out[i] = offset + noise * r.normal() + (r.uniform() < hits ? hitValue * (1 + Math.floor(r.uniform() * 3)) : 0);
  }
  return out;
}

/** Standard-normal numbers drawn from a uniform source (Box–Muller). */
export function normal(random: () => number): () => number {
  return () => Math.sqrt(-2 * Math.log(1 - random())) * Math.cos(2 * Math.PI * random());
}
