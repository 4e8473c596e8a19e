// One per-shot value against another with H5Web's ScatterVis, each point coloured by a third
// (the good-shot index: the order of the run), with zoom, pan, log axes and the point under
// the cursor.
import { useMemo, useState } from 'react';
import ndarray from 'ndarray';
import { ScatterVis, Toolbar, Separator, ScaleSelector, ScaleType, getDomain, type AxisScaleType } from '@h5web/lib';
import { withUnit } from './format.js';
import type { Axis } from './Heatmap.js';

export interface ScatterPlotProps {
  name: string;
  title: string;
  x: Axis & { values: ArrayLike<number> };
  y: Axis & { values: ArrayLike<number> };
  colour: { label: string; values: ArrayLike<number> };
}

const SCALES: AxisScaleType[] = [ScaleType.Linear, ScaleType.Log, ScaleType.SymLog];

export function ScatterPlot({ name, title, x, y, colour }: ScatterPlotProps) {
  const [xScale, setXScale] = useState<AxisScaleType>(ScaleType.Linear);
  const [yScale, setYScale] = useState<AxisScaleType>(ScaleType.Linear);
  // Points without both coordinates cannot be drawn (nor have a domain).
  const { xs, ys, cs } = useMemo(() => {
    const keep: number[] = [];
    for (let i = 0; i < x.values.length; i++) if (Number.isFinite(x.values[i]) && Number.isFinite(y.values[i])) keep.push(i);
    return {
      xs: Float64Array.from(keep, (i) => x.values[i]),
      ys: Float64Array.from(keep, (i) => y.values[i]),
      cs: ndarray(Float64Array.from(keep, (i) => colour.values[i])),
    };
  }, [x.values, y.values, colour.values]);
  const domain = useMemo(() => getDomain(cs.data as Float64Array) ?? ([0, 1] as [number, number]), [cs]);
  if (!xs.length) return <figure className="plot scatter empty" data-dataset={name}>{title}: no shot has both values</figure>;
  return (
    <figure className="plot scatter" data-dataset={name}>
      <figcaption>
        {title} <span className="muted">(colour: {colour.label})</span>
      </figcaption>
      <Toolbar>
        <ScaleSelector label="x" value={xScale} onScaleChange={setXScale} options={SCALES} />
        <Separator />
        <ScaleSelector label="y" value={yScale} onScaleChange={setYScale} options={SCALES} />
      </Toolbar>
      <div className="vis">
        <ScatterVis
          dataArray={cs}
          domain={domain}
          abscissaParams={{ label: withUnit(x.label, x.unit), value: xs, scaleType: xScale }}
          ordinateParams={{ label: withUnit(y.label, y.unit), value: ys, scaleType: yScale }}
          size={6}
        />
      </div>
    </figure>
  );
}
