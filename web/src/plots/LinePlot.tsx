// Curves from H5Web's building blocks (VisCanvas, DataCurve, TooltipMesh, the default zoom and
// pan): one or more series over one x axis, linear, log or symlog y, a legend, the values of
// every series under the cursor. Histograms are drawn as steps over their bins; on a log axis an
// empty bin's step falls through the bottom of the plot (as matplotlib draws it) instead of
// leaving a gap or joining its neighbours.
import { useMemo, useState, type ReactNode } from 'react';
import {
  VisCanvas,
  DataCurve,
  TooltipMesh,
  DefaultInteractions,
  ResetZoomButton,
  Toolbar,
  Separator,
  ScaleSelector,
  ScaleType,
  Interpolation,
  CurveType,
  getDomain,
  getCombinedDomain,
  getAxisDomain,
  extendDomain,
  getValueToIndexScale,
  type AxisScaleType,
} from '@h5web/lib';
import { edgesOf, binOf } from './bins.js';
import { fmt, tick, withUnit } from './format.js';
import type { Axis } from './Heatmap.js';

export const PALETTE = ['#1f77b4', '#d62728', '#2ca02c', '#9467bd', '#ff7f0e', '#17becf'];

export interface Series {
  name: string;
  values: ArrayLike<number>;
}

export interface LinePlotProps {
  /** Names the figure for tests (`data-dataset`). */
  name: string;
  title: string;
  x: Axis;
  yLabel: string;
  yUnit?: string;
  series: Series[];
  /** The y scale to start with. */
  scale?: AxisScaleType;
  /** Steps over bins whose centres `x.values` are (histograms). */
  bins?: boolean;
  tools?: ReactNode;
}

const SCALES: AxisScaleType[] = [ScaleType.Linear, ScaleType.Log, ScaleType.SymLog];

export function LinePlot(props: LinePlotProps) {
  const { name, title, x, yLabel, yUnit, series, bins = false, tools } = props;
  const [scale, setScale] = useState<AxisScaleType>(props.scale ?? ScaleType.Linear);
  const n = series[0]?.values.length ?? 0;
  const centres = useMemo(() => (x.values ? Float64Array.from(x.values) : Float64Array.from({ length: n }, (_, i) => i)), [x.values, n]);
  const abscissas = useMemo(() => (bins ? edgesOf(centres) : centres), [bins, centres]);
  const toIndex = useMemo(() => getValueToIndexScale(centres, true), [centres]);
  const domain = useMemo(() => getCombinedDomain(series.map((s) => getDomain(Float64Array.from(s.values), scale))), [series, scale]);
  // What is drawn: a bin's value repeated at its right edge (steps); on a log axis values ≤ 0
  // well below the plot, so that their steps drop out of it.
  const drawn = useMemo(() => {
    const floor = scale === ScaleType.Log && domain ? domain[0] / 1e3 : null;
    return series.map((s) => {
      const out = new Float64Array(abscissas.length);
      for (let i = 0; i < out.length; i++) {
        const v = s.values[Math.min(i, n - 1)];
        out[i] = floor !== null && v <= 0 ? floor : v;
      }
      return out;
    });
  }, [series, abscissas, scale, domain, n]);
  const xDomain = getAxisDomain(abscissas, ScaleType.Linear, bins ? 0 : 0.01);
  if (!n || !xDomain || !domain) return <figure className="plot line empty" data-dataset={name}>{title}: no values to draw</figure>;
  return (
    <figure className="plot line" data-dataset={name} data-scale={scale}>
      <figcaption>{title}</figcaption>
      <Toolbar>
        <ScaleSelector label="y" value={scale} onScaleChange={setScale} options={SCALES} />
        {tools && <Separator />}
        {tools}
      </Toolbar>
      {series.length > 1 && (
        <ul className="legend">
          {series.map((s, i) => (
            <li key={s.name}>
              <span className="swatch" style={{ background: PALETTE[i % PALETTE.length] }} />
              {s.name}
            </li>
          ))}
        </ul>
      )}
      <div className="vis">
        <VisCanvas
          abscissaConfig={{ visDomain: xDomain, showGrid: true, label: withUnit(x.label, x.unit), formatTick: tick }}
          ordinateConfig={{ visDomain: extendDomain(domain, 0.05, scale), showGrid: true, scaleType: scale, label: withUnit(yLabel, yUnit), formatTick: tick }}
        >
          <DefaultInteractions />
          <ResetZoomButton />
          <TooltipMesh
            guides="vertical"
            renderTooltip={(at) => {
              const i = bins ? binOf(abscissas, at) : toIndex(at);
              const values = series.map((s) => s.values[i]);
              return (
                <div className="readout" data-x={String(centres[i])} data-values={JSON.stringify(values.map(String))}>
                  {withUnit(x.label, x.unit)} = {fmt(centres[i], 6)}
                  {bins ? ` (bin ${fmt(abscissas[i], 6)} … ${fmt(abscissas[i + 1], 6)})` : ''}
                  {series.map((s, k) => (
                    <div key={s.name}>
                      {series.length > 1 && <span className="swatch" style={{ background: PALETTE[k % PALETTE.length] }} />}
                      {s.name} = <strong>{fmt(values[k], 6)}</strong>
                      {yUnit ? ` ${yUnit}` : ''}
                    </div>
                  ))}
                </div>
              );
            }}
          />
          {drawn.map((ordinates, k) => (
            <DataCurve
              key={series[k].name}
              abscissas={abscissas}
              ordinates={ordinates}
              color={PALETTE[k % PALETTE.length]}
              curveType={CurveType.LineOnly}
              interpolation={bins ? Interpolation.Constant : Interpolation.Linear}
            />
          ))}
        </VisCanvas>
      </div>
    </figure>
  );
}
