// What a result file says about its datasets beyond their numbers (docs/config.md, "The result
// file"): their units, and how each output is plotted — NeXus NXdata groups under /entry that
// link to the root datasets, so that H5Web and silx show a spectrum against its energy axis, a
// per-shot list against the tag, a histogram against its bin centres. The root datasets stay
// as they are (old notebooks read them by name).
import type { ExperimentConfig, OutputConfig } from './config/index.js';
import { sinkOp, transformOp, type Dataset, type TransformConfig } from './ops/index.js';

export interface DatasetInfo {
  /** Its `units` attribute (absent: unknown or none). */
  units?: string;
  /** Stored as int64 (the tag numbers), whatever its array type in memory. */
  int64?: boolean;
}

/** An NXdata group: the dataset it plots and, per dimension, the dataset of its axis ('.' for the index). */
export interface PlotInfo {
  signal: string;
  axes: string[];
}

export interface ResultDescription {
  datasets: Record<string, DatasetInfo>;
  plots: PlotInfo[];
}

function chainUnits(units: string | null, transforms: readonly TransformConfig[]): string | null {
  for (const t of transforms) {
    const { op } = transformOp(t);
    if (op.units) units = op.units(units);
  }
  return units;
}

/**
 * Units and plots of the datasets of a result. Images are (raw − dark) × eV/ADU, so a chain from
 * a detector starts in eV; values of the facility's database have units the run file does not
 * give, so they have none here. `warn` says when an output's axis does not fit it.
 */
export function describeResult(
  config: ExperimentConfig,
  datasets: Record<string, Dataset>,
  detectors: readonly string[],
  warn: (message: string) => void = () => {},
): ResultDescription {
  const info: Record<string, DatasetInfo> = { tag: { int64: true } };
  const plots: PlotInfo[] = [];
  for (const [name, constant] of Object.entries(config.constants ?? {})) {
    if ('histogramCenters' in constant || 'axis' in constant) info[name] = { units: 'eV' };
  }
  const sourceUnits = (source: string) => (detectors.includes(source) ? 'eV' : null);
  config.outputs.forEach((spec: OutputConfig, i) => {
    const { op } = sinkOp(spec.sink);
    const perShot = chainUnits(sourceUnits(spec.source), spec.transforms);
    const value = chainUnits(op.units ? op.units(perShot) : perShot, spec.after);
    const shape = datasets[spec.name]?.shape;
    if (!shape) return;
    if (op.kind === 'topK') {
      // The shots' indices, then a payload per dataset: each a stack [k, …] of its chain's values.
      for (const [payload, chain] of Object.entries((spec.sink as { topK: { payloads: Record<string, { source: string; transforms: TransformConfig[] }> } }).topK.payloads)) {
        const units = chainUnits(sourceUnits(chain.source), chain.transforms);
        if (units) info[payload] = { units };
        if (datasets[payload]) plots.push({ signal: payload, axes: datasets[payload].shape.map(() => '.') });
      }
      plots.push({ signal: spec.name, axes: ['.'] });
      return;
    }
    if (value) info[spec.name] = { units: value };
    const axes = shape.map(() => '.');
    if (op.kind === 'perShot' && shape.length >= 1 && datasets.tag?.shape[0] === shape[0]) axes[0] = 'tag';
    if (spec.axis !== undefined) {
      const axis = datasets[spec.axis];
      const last = shape.length - 1;
      if (last >= 0 && axis && axis.shape.length === 1 && axis.shape[0] === shape[last]) axes[last] = spec.axis;
      else {
        warn(
          `outputs[${i}].axis: ${spec.axis} has ${axis ? axis.shape.join('×') : 'no'} values, ${spec.name} ${shape.length ? shape.join('×') : 'is a number'}: ` +
            'the result file plots it against its index',
        );
      }
    }
    plots.push({ signal: spec.name, axes });
  });
  return { datasets: info, plots };
}
