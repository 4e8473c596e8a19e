// histogram: counts in equal bins over a range, with NumPy's rules (float32 or float64 data).
import { core } from '../../../core/wasm.js';
import { Histogrammer } from '../../../stats/histogram.js';
import { length, num, pair, strict } from '../../config/schema.js';
import type { ShotValue, TransformOp } from '../types.js';
import { BufferedStep } from './step.js';

class HistogramStep extends BufferedStep {
  readonly histogrammer: Histogrammer;
  constructor(bins: number, range: [number, number]) {
    super('histogram');
    this.histogrammer = new Histogrammer(bins, range);
  }
  apply(input: ShotValue): ShotValue {
    const x = this.image(input);
    const counts = this.histogrammer.histogramInWasm(x.data);
    // Counts are integers below 2^24 (images have fewer pixels): exact in float32.
    const out = this.output([this.histogrammer.bins], 'f32');
    core.countsToFloat(counts.ptr, out.data.ptr, this.histogrammer.bins);
    return out;
  }
  override bytes(): number {
    // Its edges (float32 and float64), counts and four lanes of counts per edge.
    return super.bytes() + 32 * (this.histogrammer.bins + 1);
  }
  override dispose(): void {
    this.histogrammer.dispose();
    super.dispose();
  }
}

export const histogram: TransformOp<'histogram', { bins: number; range: [number, number] }> = {
  kind: 'histogram',
  params: strict({ bins: length(), range: pair('[lo, hi]: finite numbers with lo ≤ hi', num(), true) }, 'histogram parameters {bins, range: [lo, hi]}'),
  type: (input) => (input.kind === 'array' ? { kind: 'array', ndim: 1 } : { expected: 'an array input' }),
  make: (p) => new HistogramStep(p.bins, p.range),
  panel: 'histogram',
  units: () => 'count',
  summary: 'array → 1-D counts: `bins`, `range: [lo, hi]` (NumPy\'s rules; NaN and values outside are not counted)',
};
