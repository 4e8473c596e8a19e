// The scan's points and fitted curve with H5Web's building blocks (VisCanvas, DataCurve): two
// curves on their own abscissas (the runs, and the curve on a dense grid), zoom and pan, log
// axes, the nearest run under the cursor.
import { useMemo } from 'react';
import { VisCanvas, DefaultInteractions, ResetZoomButton, DataCurve, TooltipMesh, CurveType, GlyphType, ScaleType, getDomain, getCombinedDomain, extendDomain, type AxisScaleType, type Domain } from '@h5web/lib';
import { modelValue } from '../../fit.js';
import { fmt, tick, withUnit } from '../../plots/format.js';
import { PALETTE } from '../../plots/LinePlot.js';
import type { ScanData } from '../../types.js';

const CURVE_POINTS = 300;

/** A grid over [lo, hi] for the curve: evenly spaced, or evenly in log on a log axis. */
function grid(lo: number, hi: number, log: boolean): Float64Array {
  const pad = (hi - lo) * 0.05;
  if (log && lo > 0) return Float64Array.from({ length: CURVE_POINTS }, (_, i) => lo * (hi / lo) ** (i / (CURVE_POINTS - 1)));
  return Float64Array.from({ length: CURVE_POINTS }, (_, i) => lo - pad + ((hi - lo + 2 * pad) * i) / (CURVE_POINTS - 1));
}

export function ScanPlot({ scan, logX, logY }: { scan: ScanData; logX: boolean; logY: boolean }) {
  const xScale: AxisScaleType = logX ? ScaleType.Log : ScaleType.Linear;
  const yScale: AxisScaleType = logY ? ScaleType.Log : ScaleType.Linear;
  const px = useMemo(() => Float64Array.from(scan.points, (p) => p.x), [scan]);
  const py = useMemo(() => Float64Array.from(scan.points, (p) => p.y), [scan]);
  const curve = useMemo(() => {
    const fit = scan.fit;
    if (!fit || !px.length || !Object.values(fit.params).every(Number.isFinite)) return null;
    const cx = grid(Math.min(...px), Math.max(...px), logX);
    return { x: cx, y: Float64Array.from(cx, (v) => modelValue(fit, v)) };
  }, [scan, px, logX]);
  const span = (values: Float64Array[], scale: AxisScaleType, by: number): Domain | undefined => {
    const d = getCombinedDomain(values.map((v) => getDomain(v, scale)));
    return d && extendDomain(d, by, scale);
  };
  const xDomain = span(curve ? [px, curve.x] : [px], xScale, 0.03);
  const yDomain = span(curve ? [py, curve.y] : [py], yScale, 0.08);
  if (!xDomain || !yDomain) return <p className="placeholder">No point can be drawn on these axes.</p>;
  const nearest = (x: number, y: number) => {
    let best = 0;
    const dx = xDomain[1] - xDomain[0] || 1;
    const dy = yDomain[1] - yDomain[0] || 1;
    scan.points.forEach((p, i) => {
      const b = scan.points[best];
      if (((p.x - x) / dx) ** 2 + ((p.y - y) / dy) ** 2 < ((b.x - x) / dx) ** 2 + ((b.y - y) / dy) ** 2) best = i;
    });
    return scan.points[best];
  };
  return (
    <figure className="plot scanplot" data-dataset="scan" data-xscale={xScale} data-yscale={yScale}>
      <div className="vis">
        <VisCanvas
          abscissaConfig={{ visDomain: xDomain, showGrid: true, scaleType: xScale, label: withUnit(scan.x.label, scan.x.unit), formatTick: tick }}
          ordinateConfig={{ visDomain: yDomain, showGrid: true, scaleType: yScale, label: withUnit(scan.y.label, scan.y.unit), formatTick: tick }}
        >
          <DefaultInteractions />
          <ResetZoomButton />
          <TooltipMesh
            guides="both"
            renderTooltip={(x, y) => {
              const p = nearest(x, y);
              return (
                <div className="readout" data-run={p.run}>
                  run {p.run}: x = {fmt(p.x, 6)}, y = {fmt(p.y, 6)}
                  {curve && scan.fit ? `, fit ${fmt(modelValue(scan.fit, p.x), 6)}` : ''}
                </div>
              );
            }}
          />
          {curve && <DataCurve abscissas={curve.x} ordinates={curve.y} color={PALETTE[1]} curveType={CurveType.LineOnly} width={2} />}
          <DataCurve abscissas={px} ordinates={py} color={PALETTE[0]} curveType={CurveType.GlyphsOnly} glyphType={GlyphType.Circle} glyphSize={9} />
        </VisCanvas>
      </div>
    </figure>
  );
}
