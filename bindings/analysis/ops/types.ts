// What an operation of a config is: a transform (one shot's value → another, in wasm memory)
// or a sink (what an output keeps over the run). Each op is one file in ops/transforms or
// ops/sinks and one line of its registry: the config schema, the chain typing, the plan and the
// web app's panels all read the registry, so a new op touches nothing else.
import type * as z from 'zod';
import { ConfigError } from '../../core/errors.js';
import type { NDArray, WasmImage } from '../../core/input.js';
import type { DetectorGeometry } from '../../image/geometry.js';
import type { AccumulatorState } from '../../stats/accumulator.js';
import type { TopKState } from '../../stats/topk.js';
import type { Footprint } from '../config/limits.js';

/**
 * What flows through a chain: one number per shot, or an array of `ndim` dimensions (null: not
 * known before a run is opened; a detector's images are 2-D for one sensor, 3-D for several).
 */
export type DataType = { kind: 'number' } | { kind: 'array'; ndim: number | null };

export function typeName(t: DataType): string {
  if (t.kind === 'number') return 'a number';
  return t.ndim === null ? 'an array (2-D for one sensor, 3-D for several)' : `a ${t.ndim}-D array`;
}

export type { WasmImage };

/** One shot's value at some point of a chain: a number, or an array in wasm memory. */
export type ShotValue = number | WasmImage;

export const isImage = (v: ShotValue): v is WasmImage => typeof v !== 'number';

/** What a chain's steps may need to know about the detector the chain starts from. */
export interface ChainContext {
  /** Where the detector's pixels lie (null: the file has no geometry for its sensors). */
  geometry?: () => DetectorGeometry | null;
  /** Bad-pixel masks by file path (loaded with the run): 1 = masked. */
  masks?: Record<string, { data: Uint8Array; shape: number[] }>;
  /** The chain's source, for messages ("the detector side_ccd"). */
  what?: string;
  /**
   * A chain that runs on a block of the source's elements only (a worker's pixels of a P²
   * output, see `Plan`): elements `[start, end)` of a value of shape `shape`, flattened.
   */
  block?: { start: number; end: number; shape: number[] };
}

/** A transform at work: keeps its output buffer in wasm memory for the whole run. */
export interface Step {
  apply(input: ShotValue): ShotValue;
  /** The wasm memory it holds once it has run (output buffer, maps, tables), in bytes. */
  bytes(): number;
  dispose(): void;
}

/**
 * A parameter that does not fit the run (a centre outside the image): the plan names it after
 * its entry (`outputs[3].transforms[0].radialProfile.center`).
 */
export class ParamError extends ConfigError {
  constructor(readonly param: string, message: string) {
    super(message);
  }
}

/** One shot's value as memory estimates see it: `elements` (1 for a number) of `bytes` each. */
export interface ValueSize {
  elements: number;
  bytes: number;
}

export interface TransformOp<K extends string = string, P = any> {
  kind: K;
  /** Its parameters as a config spells them (defaults filled in by the schema). */
  params: z.ZodType<P>;
  /** The type it gives for an input type, or what it expected instead. */
  type(input: DataType, params: P): DataType | { expected: string };
  make(params: P, context: ChainContext): Step;
  /** How the web app draws a 1-D output this transform ends (else: against an axis of its length). */
  panel?: 'histogram' | 'radius';
  /**
   * Element i of its output depends on element i of its input alone (same shape): a chain of
   * such steps can run on a block of the elements (`ChainContext.block`), which is how P²
   * outputs are split across workers.
   */
  pixelwise?: boolean;
  /** The units of its output for its input's (null: unknown); default: the same (a noise cut, a sum, a mean of eV are eV). */
  units?: (input: string | null) => string | null;
  /** One line: what it does (docs/config.md's table says the same). */
  summary: string;
}

/** A result dataset: flat C-order data and its shape ([] for a scalar). */
export type Dataset = NDArray<Float32Array | Float64Array | Int32Array>;

export type SinkState =
  | { kind: 'accumulator'; state: AccumulatorState }
  | { kind: 'estimate'; n: number; value: Dataset | null }
  | { kind: 'perShot'; shots: Int32Array; numbers: Float64Array | null; arrays: Float32Array | Float64Array | null; shape: number[] | null }
  | { kind: 'topK'; state: TopKState<Record<string, Dataset>> };

export interface Sink {
  /** Takes one shot's value; `shot` is its index in the run. */
  accumulate(value: ShotValue, shot: number): void;
  /**
   * A top k's kept shots whose payloads are still to be computed, by rank: only the ranking
   * values are kept while the shots come in, and once they are over Plan.fillPayloads reads
   * these shots again and hands each one's payload values to `fill`.
   */
  pendingShots?(): { rank: number; shot: number }[];
  fill?(rank: number, values: Record<string, ShotValue>): void;
  exportState(): SinkState;
  /**
   * Merges partial results of other workers (over other shots) into this one. The states'
   * arrays are taken over (they come moved from workers, read from part files or joined for
   * the merge): the caller does not use them again.
   */
  merge(states: SinkState[]): void;
  /**
   * The datasets this sink writes; `name` is its output's name. They may be made of the sink's
   * own storage in JavaScript (a top k's filled payloads).
   */
  datasets(name: string): Record<string, Dataset>;
  /**
   * Its value where it is in wasm memory, for an output's `after` chain to start from without
   * a copy out and back (a mean's, a minimum's, a maximum's state is its value); such a sink
   * writes only that value. Absent or null: the chain starts from `datasets(name)[name]`.
   */
  valueInWasm?(): WasmImage | null;
  dispose(): void;
}

export interface SinkOp<K extends string = string, P = any> {
  kind: K;
  /** null: spelt as a plain string ("mean"); else `{ "<kind>": params }`. */
  params: z.ZodType<P> | null;
  /** The type of what it writes, for the chain's per-shot type. */
  type(perShot: DataType): DataType;
  /** Whether `after` transforms may follow (they apply once, to its value over the run). */
  after: boolean;
  /** Whether its chain must end in a number per shot (what top-k ranks shots by). */
  ranks?: boolean;
  /**
   * How a run is split across workers for it (docs/config.md, "Parallel runs"): by shots, when
   * states over parts of the shots merge into the state over all (means, minima, per-shot
   * lists, top k); by elements, when its value depends on the order of the shots (P²), so that
   * each worker sees every shot in order, for its own block of the elements.
   */
  split: 'shots' | 'elements';
  /** The units of its value for its per-shot value's (default: the same). */
  units?: (perShot: string | null) => string | null;
  make(params: P): Sink;
  /**
   * What it holds over a run of `shots` shots of per-shot values of `value` (`payloads`: a
   * top-k's payload values), and what that is ("P² state of 1,048,576 elements").
   */
  memory(value: ValueSize, shots: number, params: P, payloads: ValueSize[]): Footprint & { what: string };
  summary: string;
}
