// radialProfile (float64): of an array (a 2-D image) about its index centre, as the original's
// radial_profile; of a stack of sensors with geometry, in real pixel positions (picture pixels
// of the assembled image) about a centre in pixels or µm.
import * as z from 'zod';
import { formatShape } from '../../../core/input.js';
import { RadialProfiler } from '../../../image/radialProfile.js';
import { count, MAX_LENGTH } from '../../config/limits.js';
import { E, forward, issue, num, strict } from '../../config/schema.js';
import { ParamError, type ChainContext, type ShotValue, type TransformOp } from '../types.js';
import { BufferedStep } from './step.js';

type Params = { center: number[] | null; centerUm: number[] | null; os: number };

class RadialStep extends BufferedStep {
  #profiler: RadialProfiler | null = null;
  constructor(private readonly p: Params, private readonly context: ChainContext) {
    super('radialProfile');
  }
  apply(input: ShotValue): ShotValue {
    const x = this.image(input);
    this.#profiler ??= this.profiler(x.shape);
    const { profile } = this.#profiler.profile(x);
    const out = this.output([profile.length], 'f64');
    out.data.set(profile);
    return out;
  }
  private profiler(shape: number[]): RadialProfiler {
    const { center, centerUm, os } = this.p;
    // A stack of sensors, or a centre in µm, needs the sensors' positions; any other array is binned by its indices.
    if (!centerUm && shape.length !== 3) {
      const centre = center ?? shape.map((d) => Math.floor(d / 2));
      if (centre.length === shape.length) {
        if (!centre.every((c, k) => c >= 0 && c <= shape[k] - 1)) {
          const bounds = shape.map((d, k) => `0 ≤ center[${k}] ≤ ${d - 1}`).join(' and ');
          throw new ParamError('center', `[${centre.join(', ')}] lies outside the input of shape ${formatShape(shape)} (expected ${bounds})`);
        }
        this.checkLength(centre, shape.map((d) => d - 1));
      }
      return new RadialProfiler(shape, { center: center ?? undefined, os });
    }
    const geometry = this.context.geometry?.() ?? null;
    if (!geometry || geometry.size !== shape.reduce((a, b) => a * b, 1)) {
      throw new RangeError(
        `an array of shape ${formatShape(shape)} (${this.context.what ?? 'this source'}) needs the sensors' geometry ` +
          '(detector_coordinate_in_micro_meter, detector_rotation_angle_in_degree in detector_info), which the run file does not hold',
      );
    }
    const centre = geometry.center(center, centerUm);
    const [rows, cols] = geometry.shape;
    if (!(centre[0] >= 0 && centre[0] <= rows - 1 && centre[1] >= 0 && centre[1] <= cols - 1)) {
      const given = centerUm ? `[${centerUm.join(', ')}] µm, at (row, col) [${centre.map((c) => +c.toFixed(2)).join(', ')}],` : `[${centre.join(', ')}] (row, col)`;
      throw new ParamError(
        centerUm ? 'centerUm' : 'center',
        `${given} lies outside the assembled picture [${rows}, ${cols}] of ${this.context.what ?? 'this source'} (expected 0 ≤ row ≤ ${rows - 1}, 0 ≤ col ≤ ${cols - 1})`,
      );
    }
    this.checkLength(centre, [rows - 1, cols - 1]);
    return RadialProfiler.fromBinMap(geometry.radialBinMap(centre, os), shape);
  }
  /** Refuses a profile longer than MAX_LENGTH before its tables are made: its radius reaches the farthest corner. */
  private checkLength(centre: readonly number[], last: readonly number[]): void {
    const farthest = Math.sqrt(centre.reduce((a, c, k) => a + Math.max(c, last[k] - c) ** 2, 0));
    const bins = Math.round(this.p.os * farthest) + 1;
    if (bins > MAX_LENGTH) {
      throw new ParamError(
        'os',
        `${this.p.os} makes a profile of ${count(bins)} bins (os × the largest radius, ${+farthest.toFixed(2)} pixels), more than the ${count(MAX_LENGTH)} a profile may have`,
      );
    }
  }
  override bytes(): number {
    const p = this.#profiler;
    // Its bin map, and per bin: sums, counts, squares, the profile and 12 lanes of partial sums.
    return super.bytes() + (p ? 4 * p.length + 128 * (p.bins + 1) : 0);
  }
  override dispose(): void {
    this.#profiler?.dispose();
    this.#profiler = null;
    super.dispose();
  }
}

const fields = strict(
  {
    center: z
      .array(num('a list of numbers, one per dimension'), E('a list of numbers, one per dimension, or null'))
      .min(1, E('a list of numbers, one per dimension'))
      .nullish()
      .transform((c) => c ?? null),
    centerUm: z
      .array(num('[X, Y] in µm'), E('[X, Y] in µm (the detector plane), or null'))
      .length(2, E('[X, Y] in µm (the detector plane)'))
      .nullish()
      .transform((c) => c ?? null),
    os: num('a positive number').positive(E('a positive number')).default(1),
  },
  'radialProfile parameters {center?, centerUm?, os?}',
);

export const radialProfile: TransformOp<'radialProfile', Params> = {
  kind: 'radialProfile',
  params: z.any().transform((v, ctx): Params => {
    const r = fields.safeParse(v);
    if (!r.success) {
      forward(ctx, r.error.issues);
      return z.NEVER;
    }
    if (r.data.center && r.data.centerUm) {
      issue(ctx, 'the centre in pixels (center) or in µm (centerUm), not both', [], 'both');
      return z.NEVER;
    }
    return r.data;
  }),
  type(input, p) {
    if (input.kind !== 'array') return { expected: 'an array input' };
    const nd = input.ndim;
    // A detector image (one sensor, or a stack placed by its geometry) takes [row, col].
    const wanted = nd === null || nd === 3 ? 2 : nd;
    if (p.center && p.center.length !== wanted) {
      return { expected: `a center of ${wanted} numbers for ${nd === null ? 'a detector image ([row, col])' : `a ${nd}-D input`}` };
    }
    if (p.centerUm && nd !== null && nd < 2) return { expected: "a detector image (centerUm needs the sensors' geometry)" };
    return { kind: 'array', ndim: 1 };
  },
  make: (p, context) => new RadialStep(p, context),
  panel: 'radius',
  summary:
    'N-D → 1-D (float64): the mean per radius r = rint(os·|index − center|), `center` (default shape // 2), `os` (default 1); a stack of sensors uses their real positions, `center` as [row, col] of the assembled picture or `centerUm: [X, Y]` in µm',
};
