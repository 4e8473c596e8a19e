// Covariance matrix of a stream of vectors (e.g. 1024-point spectra): NumPy's `cov` of
// the stacked vectors, computed in one streaming pass (see assembly/accumulate.ts).
import { core, kernel } from '../core/wasm.js';
import type { NDArray, Staged } from '../core/input.js';
import { ElementwiseAccumulator } from './accumulator.js';
import { checkLifetime } from './elementwise.js';

export type CovarianceValue = number | NDArray<Float64Array> | null;

export class Covariance extends ElementwiseAccumulator<CovarianceValue> {
  readonly kind: string = 'Covariance';

  protected bufferSpec(d: number) {
    return {
      mean: ['f64', d] as ['f64', number],
      cov: ['f64', d * d] as ['f64', number],
      scratch: ['f64', 2 * d] as ['f64', number],
    };
  }

  protected override initBuffers(): void {
    if (this.shape!.length > 1) {
      const shape = this.shape!;
      this.dispose();
      throw new RangeError(`${this.kind}.accumulate: expected a vector (1-D), got shape [${shape.join(', ')}]`);
    }
    this.buffer('mean').fill(0);
    this.buffer('cov').fill(0);
  }

  protected weight(): number {
    return 1 / this.count;
  }

  protected update(input: Staged): void {
    kernel('covarianceUpdate', input.dtype)(this.buffer('mean').ptr, this.buffer('cov').ptr, this.buffer('scratch').ptr, input.ptr, this.length, this.weight());
  }

  protected mergeState(other: this): void {
    core.covarianceMerge(this.buffer('mean').ptr, this.buffer('cov').ptr, other.buffer('mean').ptr, other.buffer('cov').ptr, this.length, this.count, other.count);
  }

  private matrix(factor: number): CovarianceValue {
    if (this.count === 0 || !this.shape) return null;
    const values = this.buffer<'f64'>('cov').copy();
    for (let i = 0; i < values.length; i++) values[i] *= factor;
    if (this.form === 'scalar') return values[0];
    return { data: values, shape: [this.length, this.length] };
  }

  /** The unbiased covariance matrix (d × d), as `numpy.cov(stack, rowvar=False)`. */
  get value(): CovarianceValue {
    return this.matrix(this.count / (this.count - 1));
  }

  /** The population (biased) covariance matrix. */
  get rms(): CovarianceValue {
    return this.matrix(1);
  }

  get mean(): Float64Array | number | null {
    if (this.count === 0) return null;
    const mean = this.buffer<'f64'>('mean').copy();
    return this.form === 'scalar' ? mean[0] : mean;
  }
}

/** Covariance with exponential running means. Not mergeable. */
export class RunningCovariance extends Covariance {
  override readonly kind = 'RunningCovariance';
  protected override readonly mergeable = false;
  readonly lifetime: number;

  constructor(lifetime = 10) {
    super();
    this.lifetime = checkLifetime(lifetime, 'RunningCovariance');
  }

  protected override weight(): number {
    return Math.max(1 / this.lifetime, 1 / this.count);
  }

  protected override params() {
    return { lifetime: this.lifetime };
  }
}
