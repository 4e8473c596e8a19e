// rangeCount: how many values lie strictly between two bounds (NaN never counts).
import * as z from 'zod';
import { RangeCounter } from '../../../stats/histogram.js';
import { forward, issue, num, strict } from '../../config/schema.js';
import type { ShotValue, TransformOp } from '../types.js';
import { BufferedStep } from './step.js';

class RangeCountStep extends BufferedStep {
  private readonly counter: RangeCounter;
  constructor(low: number, high: number) {
    super('rangeCount');
    this.counter = new RangeCounter(low, high);
  }
  apply(input: ShotValue): ShotValue {
    return this.counter.count(this.image(input).data);
  }
}

const bounds = strict(
  {
    low: num('a number or null (−∞)').nullish().transform((x) => x ?? -Infinity),
    high: num('a number or null (+∞)').nullish().transform((x) => x ?? Infinity),
  },
  'rangeCount parameters {low?, high?}',
);

export const rangeCount: TransformOp<'rangeCount', { low: number; high: number }> = {
  kind: 'rangeCount',
  params: z.any().transform((v, ctx): { low: number; high: number } => {
    const r = bounds.safeParse(v);
    if (!r.success) {
      forward(ctx, r.error.issues);
      return z.NEVER;
    }
    if (!(r.data.low < r.data.high)) {
      issue(ctx, 'low < high', [], `low ${r.data.low} and high ${r.data.high}`);
      return z.NEVER;
    }
    return r.data;
  }),
  type: (input) => (input.kind === 'array' ? { kind: 'number' } : { expected: 'an array input' }),
  make: (p) => new RangeCountStep(p.low, p.high),
  units: () => 'count',
  summary: 'array → number: how many values v have `low` < v < `high` (defaults ∓∞; NaN never counts)',
};
