// The transforms a config's chains may use, by kind: one file each, one line here.
import * as z from 'zod';
import { oneKey } from '../../config/schema.js';
import type { ChainContext, Step, TransformOp } from '../types.js';
import { noiseCut } from './noiseCut.js';
import { roi } from './roi.js';
import { meanAlongAxis } from './meanAlongAxis.js';
import { sumAlongAxis } from './sumAlongAxis.js';
import { histogram } from './histogram.js';
import { rangeCount } from './rangeCount.js';
import { radialProfile } from './radialProfile.js';
import { sum } from './sum.js';
import { mean } from './mean.js';
import { assemble } from './assemble.js';
import { mask } from './mask.js';

export const TRANSFORMS = { noiseCut, roi, meanAlongAxis, sumAlongAxis, histogram, rangeCount, radialProfile, sum, mean, assemble, mask };

export type TransformKind = keyof typeof TRANSFORMS;
type ParamsOf<K extends TransformKind> = (typeof TRANSFORMS)[K] extends TransformOp<K, infer P> ? P : never;

/** One transform as a config spells it, `{ "<kind>": params }`, defaults filled in. */
export type TransformConfig = { [K in TransformKind]: { [P in K]: ParamsOf<K> } }[TransformKind];

/** The kind of a transform (its one key) and its parameters. */
export function transformKind(t: TransformConfig): TransformKind {
  return Object.keys(t)[0] as TransformKind;
}

export function transformOp(t: TransformConfig): { op: TransformOp; params: unknown } {
  const kind = transformKind(t);
  return { op: TRANSFORMS[kind], params: (t as Record<string, unknown>)[kind] };
}

/** The step for one transform of a chain (validated, defaults filled in, by the config loader). */
export function makeStep(t: TransformConfig, context: ChainContext = {}): Step {
  const { op, params } = transformOp(t);
  return op.make(params, context);
}

export const transformSchema = oneKey(
  Object.fromEntries(Object.entries(TRANSFORMS).map(([k, op]) => [k, op.params])),
  'a transform object with one key, e.g. {"noiseCut": {"threshold": 1000}}',
  'transform',
);

export const transformList = z.array(transformSchema as unknown as z.ZodType<TransformConfig>, { error: 'a list of transforms' }).default([]);
