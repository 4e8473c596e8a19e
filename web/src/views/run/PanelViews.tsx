// One image or curve panel of the run view: its datasets (and axis datasets) fetched once it is
// on screen, drawn with the H5Web plots.
import { Heatmap, type Axis } from '../../plots/Heatmap.js';
import { LinePlot } from '../../plots/LinePlot.js';
import { Seen } from '../../plots/Seen.js';
import { ScaleType } from '@h5web/lib';
import { useDatasets, type RunData } from './runData.js';
import type { AxisSpec, CurvePanel, ImagePanel } from './panels.js';
import type { Data } from '../../types.js';

function axisOf(spec: AxisSpec | null, values: Data | undefined, length: number): Axis | undefined {
  if (!spec) return undefined;
  if (spec.dataset && values?.data.length === length) return { label: spec.label, unit: spec.unit, values: values.data };
  if (spec.dataset) return undefined;
  return { label: spec.label, unit: spec.unit, values: spec.scale ? Float64Array.from({ length }, (_, i) => i * spec.scale!) : undefined };
}

function ImageBody({ data, panel }: { data: RunData; panel: ImagePanel }) {
  const [image, xs, ys] = useDatasets(data, [panel.name, panel.x?.dataset ?? panel.name, panel.y?.dataset ?? panel.name]);
  if (!image) return <p className="placeholder small">{panel.name}: loading…</p>;
  const [rows, cols] = image.shape.slice(-2);
  return (
    <Heatmap
      name={panel.name}
      title={panel.title}
      data={image}
      unit={panel.unit}
      x={axisOf(panel.x, xs, cols)}
      y={axisOf(panel.y, ys, rows)}
      aspect={panel.perShot ? 'auto' : 'equal'}
    />
  );
}

export function ImageView({ data, panel }: { data: RunData; panel: ImagePanel }) {
  return (
    <Seen name={panel.name} height={480} wide={panel.perShot}>
      <ImageBody data={data} panel={panel} />
    </Seen>
  );
}

function CurveBody({ data, panel }: { data: RunData; panel: CurvePanel }) {
  const got = useDatasets(data, [...panel.names, panel.x.dataset ?? panel.names[0]]);
  const ys = got.slice(0, panel.names.length);
  const first = ys[0];
  if (!first) return <p className="placeholder small">{panel.names.join(', ')}: loading…</p>;
  const x = axisOf(panel.x, got[panel.names.length], first.data.length) ?? { label: 'index' };
  return (
    <LinePlot
      name={panel.names.join(',')}
      title={panel.title}
      x={x}
      yLabel={panel.yLabel}
      yUnit={panel.yUnit}
      series={panel.names.map((n, i) => ({ name: n, values: ys[i]?.data ?? new Float64Array(first.data.length).fill(NaN) }))}
      scale={panel.histogram ? ScaleType.Log : ScaleType.Linear}
      bins={panel.histogram && !!panel.x.dataset}
    />
  );
}

export function CurveView({ data, panel }: { data: RunData; panel: CurvePanel }) {
  return (
    <Seen name={panel.names.join(',')} height={360}>
      <CurveBody data={data} panel={panel} />
    </Seen>
  );
}
