// Rebuilding accumulators from exported states (how workers hand partial results over).
import type { Accumulator, AccumulatorState } from './accumulator.js';
import { Counter } from './counter.js';
import { CacheAccumulator } from './cache.js';
import { Minimum, Maximum, Mean, RunningMean, Variance, RunningVariance } from './elementwise.js';
import { Covariance, RunningCovariance } from './covariance.js';
import { CDFEstimator, QuantileEstimator, MedianEstimator } from './quantile.js';

const makers: Record<string, (params: Record<string, unknown>) => Accumulator> = {
  Counter: () => new Counter(),
  CacheAccumulator: (p) => new CacheAccumulator(p.length as number),
  Minimum: () => new Minimum(),
  Maximum: () => new Maximum(),
  Mean: () => new Mean(),
  RunningMean: (p) => new RunningMean(p.lifetime as number),
  Variance: () => new Variance(),
  RunningVariance: (p) => new RunningVariance(p.lifetime as number),
  Covariance: () => new Covariance(),
  RunningCovariance: (p) => new RunningCovariance(p.lifetime as number),
  CDFEstimator: (p) => new CDFEstimator(p.markers as number[]),
  QuantileEstimator: (p) => new QuantileEstimator((p.markers as number[])[2]),
  MedianEstimator: () => new MedianEstimator(),
};

/** An accumulator rebuilt from `exportState()` output (possibly from another thread). */
export function restoreAccumulator<A extends Accumulator = Accumulator>(state: AccumulatorState): A {
  const make = state && makers[state.kind];
  if (!make) throw new TypeError(`restoreAccumulator: unknown accumulator kind ${JSON.stringify(state?.kind)}`);
  return make(state.params).restoreFrom(state) as A;
}
