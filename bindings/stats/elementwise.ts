// Minimum, Maximum, Mean, RunningMean, Variance, RunningVariance: one wasm kernel call per
// object, state in wasm (see assembly/accumulate.ts for the update rules and references).
import { core, kernel, stageInput, type DataType } from '../core/wasm.js';
import { shaped, asFloat64, stagedView, type NDArray, type Staged, type WasmImage } from '../core/input.js';
import { ElementwiseAccumulator } from './accumulator.js';

/** What `value` returns: the input's form (number, typed array or {data, shape}); null before any object. */
export type Value<T extends Float32Array | Float64Array> = number | T | NDArray<T> | null;

/** Minimum and Maximum: the state is made of input values, so it has the input's data type. */
abstract class Extremum extends ElementwiseAccumulator<Value<Float32Array | Float64Array>> {
  protected abstract readonly kernelName: 'minimumUpdate' | 'maximumUpdate';

  protected bufferSpec(length: number, dtype: DataType) {
    return { acc: [dtype, length] as [DataType, number] };
  }

  protected update(input: Staged): void {
    const acc = this.buffer<DataType>('acc');
    // The first object is taken as is (a copy: the caller's array is never touched).
    if (this.count === 1) acc.set(stagedView(input));
    else {
      const x = this.dtype === 'f64' ? asFloat64(input) : input;
      kernel(this.kernelName, this.dtype)(acc.ptr, x.ptr, this.length);
    }
  }

  protected mergeState(other: this): void {
    const theirs = other.buffer<DataType>('acc');
    // A float32 state merging into this one, promoted to float64 already, is read as float64.
    const ptr = other.dtype === this.dtype ? theirs.ptr : stageInput(theirs.view(), 'f64');
    kernel(this.kernelName, this.dtype)(this.buffer('acc').ptr, ptr, this.length);
  }

  get value(): Value<Float32Array | Float64Array> {
    if (this.count === 0 || !this.shape || !this.form) return null;
    return shaped(this.buffer<DataType>('acc').copy(), this.shape, this.form);
  }

  override valueInWasm(): WasmImage | null {
    return this.stateValue('acc');
  }
}

/** Elementwise minimum; NaN propagates, as NumPy's `minimum`. */
export class Minimum extends Extremum {
  readonly kind = 'Minimum';
  protected readonly kernelName = 'minimumUpdate';
}

/** Elementwise maximum; NaN propagates, as NumPy's `maximum`. */
export class Maximum extends Extremum {
  readonly kind = 'Maximum';
  protected readonly kernelName = 'maximumUpdate';
}

function checkLifetime(lifetime: number, who: string): number {
  if (!(typeof lifetime === 'number' && lifetime > 0 && Number.isFinite(lifetime))) {
    throw new RangeError(`${who}: lifetime must be a positive number, got ${lifetime}`);
  }
  return lifetime;
}

/** Elementwise mean, `mean += x/n − mean/n` in float64; `sum` = mean × n. */
export class Mean extends ElementwiseAccumulator<Value<Float64Array>> {
  readonly kind: string = 'Mean';

  protected bufferSpec(length: number) {
    return { mean: ['f64', length] as ['f64', number] };
  }

  protected override initBuffers(): void {
    this.buffer('mean').fill(0);
  }

  /** The weight of the newest object. */
  protected weight(): number {
    return 1 / this.count;
  }

  protected update(input: Staged): void {
    kernel('meanUpdate', input.dtype)(this.buffer('mean').ptr, input.ptr, this.length, this.weight());
  }

  protected mergeState(other: this): void {
    const total = this.count + other.count;
    core.meanMerge(this.buffer('mean').ptr, other.buffer('mean').ptr, this.length, this.count / total, other.count / total);
  }

  get value(): Value<Float64Array> {
    if (this.count === 0 || !this.shape || !this.form) return null;
    return shaped(this.buffer<'f64'>('mean').copy(), this.shape, this.form);
  }

  override valueInWasm(): WasmImage | null {
    return this.stateValue('mean');
  }

  /** mean × n. */
  get sum(): Value<Float64Array> {
    if (this.count === 0 || !this.shape || !this.form) return null;
    const values = this.buffer<'f64'>('mean').copy();
    for (let i = 0; i < values.length; i++) values[i] *= this.count;
    return shaped(values, this.shape, this.form);
  }
}

/** Exponential running mean with α = max(1/lifetime, 1/n). Not mergeable (order matters). */
export class RunningMean extends Mean {
  override readonly kind = 'RunningMean';
  protected override readonly mergeable = false;
  readonly lifetime: number;

  constructor(lifetime = 10) {
    super();
    this.lifetime = checkLifetime(lifetime, 'RunningMean');
  }

  protected override weight(): number {
    return Math.max(1 / this.lifetime, 1 / this.count);
  }

  protected override params() {
    return { lifetime: this.lifetime };
  }
}

/**
 * Elementwise variance (Welford). `value` = unbiased variance, `rms` = population variance,
 * `std` = sqrt(value), `mean` = the mean. Merges with Chan et al.'s parallel formula.
 */
export class Variance extends ElementwiseAccumulator<Value<Float64Array>> {
  readonly kind: string = 'Variance';

  protected bufferSpec(length: number) {
    return { mean: ['f64', length] as ['f64', number], meanSq: ['f64', length] as ['f64', number] };
  }

  protected override initBuffers(): void {
    this.buffer('mean').fill(0);
    this.buffer('meanSq').fill(0);
  }

  protected weight(): number {
    return 1 / this.count;
  }

  protected update(input: Staged): void {
    kernel('varianceUpdate', input.dtype)(this.buffer('mean').ptr, this.buffer('meanSq').ptr, input.ptr, this.length, this.weight());
  }

  protected mergeState(other: this): void {
    core.varianceMerge(
      this.buffer('mean').ptr,
      this.buffer('meanSq').ptr,
      other.buffer('mean').ptr,
      other.buffer('meanSq').ptr,
      this.length,
      this.count,
      other.count,
    );
  }

  private scaled(name: string, factor: number, transform?: (v: number) => number): Value<Float64Array> {
    if (this.count === 0 || !this.shape || !this.form) return null;
    const values = this.buffer<'f64'>(name).copy();
    for (let i = 0; i < values.length; i++) {
      const v = values[i] * factor;
      values[i] = transform ? transform(v) : v;
    }
    return shaped(values, this.shape, this.form);
  }

  /** Unbiased variance (× n/(n−1)); NaN for a single object. */
  get value(): Value<Float64Array> {
    return this.scaled('meanSq', this.count / (this.count - 1));
  }

  /** Population variance. */
  get rms(): Value<Float64Array> {
    return this.scaled('meanSq', 1);
  }

  get std(): Value<Float64Array> {
    return this.scaled('meanSq', this.count / (this.count - 1), Math.sqrt);
  }

  get mean(): Value<Float64Array> {
    return this.scaled('mean', 1);
  }
}

/** Welford with both means replaced by exponential running means. Not mergeable. */
export class RunningVariance extends Variance {
  override readonly kind = 'RunningVariance';
  protected override readonly mergeable = false;
  readonly lifetime: number;

  constructor(lifetime = 10) {
    super();
    this.lifetime = checkLifetime(lifetime, 'RunningVariance');
  }

  protected override weight(): number {
    return Math.max(1 / this.lifetime, 1 / this.count);
  }

  protected override params() {
    return { lifetime: this.lifetime };
  }
}

export { checkLifetime };
