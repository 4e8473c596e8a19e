// Chain typing: what each source gives per shot and what each transform makes of it, read from
// the ops' own `type`. Detector images have a dimension known only with the run (one sensor or
// several): such chains are checked again against the run's shapes when the plan is made.
import { ConfigError } from '../../core/errors.js';
import { sinkOp, transformKind, transformOp, typeName, type DataType, type SinkConfig, type TransformConfig } from '../ops/index.js';
import type { ExperimentConfig, SourceKind } from './types.js';

/** The kind of a source name in a config (null: names nothing). */
export function sourceKind(config: Pick<ExperimentConfig, 'detectors' | 'values'>, source: string): SourceKind | null {
  if (source === 'index' || source === 'tag') return source;
  if (Object.hasOwn(config.detectors, source)) return 'detector';
  if (Object.hasOwn(config.values, source)) return 'value';
  return null;
}

/** "the detector "side_ccd"", "the value "i0"", "the index" (for messages). */
export function sourceWhat(kind: SourceKind | null, source: string): string {
  return kind === 'detector' || kind === 'value' ? `the ${kind} "${source}"` : `the ${source}`;
}

export function sourceType(kind: SourceKind): DataType {
  return kind === 'detector' ? { kind: 'array', ndim: null } : { kind: 'number' };
}

/** A chain's type after its transforms, or the first transform that does not fit (its index, what it expected, what it got). */
export function typeChain(
  start: DataType,
  startWhat: string,
  transforms: readonly TransformConfig[],
): { type: DataType } | { index: number; expected: string; got: string } {
  let type = start;
  let what = startWhat;
  for (const [index, t] of transforms.entries()) {
    const { op, params } = transformOp(t);
    const r = op.type(type, params);
    if ('expected' in r) return { index, expected: r.expected, got: `${typeName(type)} (${what})` };
    type = r;
    what = `the output of ${transformKind(t)}`;
  }
  return { type };
}

/** The per-shot type of `source` through `transforms` (a ConfigError on an inconsistent chain). */
export function chainType(config: Pick<ExperimentConfig, 'detectors' | 'values'>, source: string, transforms: readonly TransformConfig[]): DataType {
  const kind = sourceKind(config, source);
  if (!kind) throw new ConfigError(`source "${source}" names no detector, value, index or tag`);
  const r = typeChain(sourceType(kind), sourceWhat(kind, source), transforms);
  if ('index' in r) throw new ConfigError(`${transformKind(transforms[r.index])}: expected ${r.expected}, got ${r.got}`);
  return r.type;
}

/** The type of a sink's value over the run for a per-shot type. */
export function sinkType(sink: SinkConfig, perShot: DataType): DataType {
  return sinkOp(sink).op.type(perShot);
}
