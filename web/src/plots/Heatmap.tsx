// A 2-D image from H5Web's building blocks (VisCanvas, HeatmapMesh, ColorBar, TooltipMesh, the
// default zoom and pan): axes in pixels or in the file's axis values, a colour bar labelled with
// the unit of the values, linear/log/symlog colour scale, limits (DomainWidget), colour map, and
// the pixel under the cursor. Row 0 is at the top, as matplotlib's imshow shows it. A stack
// [sensors, rows, cols] is drawn as its sensors side by side (./tiles.ts). NaN pixels (the gaps
// between sensors, bad pixels) are left transparent, as the detector looks, or magenta, which is
// in no colour map, to spot them.
import { useMemo, useState, type ReactNode } from 'react';
import ndarray from 'ndarray';
import { Vector3 } from 'three';
import {
  VisCanvas,
  HeatmapMesh,
  ColorBar,
  TooltipMesh,
  DefaultInteractions,
  ResetZoomButton,
  Toolbar,
  Separator,
  DomainWidget,
  ColorMapSelector,
  ScaleSelector,
  ToggleBtn,
  ScaleType,
  SelectionTool,
  SvgElement,
  SvgRect,
  DataToHtml,
  toTypedNdArray,
  useDomain,
  useVisDomain,
  useSafeDomain,
  getAxisDomain,
  getValueToIndexScale,
  type ColorMap,
  type CustomDomain,
  type ColorScaleType,
} from '@h5web/lib';
import { tile, sensorAt } from './tiles.js';
import { edgesOf } from './bins.js';
import { fmt, tick, withUnit } from './format.js';
import type { Data } from '../types.js';

export interface Axis {
  label: string;
  unit?: string;
  /** One value per column (x) or row (y), at the pixel's centre; the pixel index when absent. */
  values?: ArrayLike<number>;
}

/** A rectangle of pixels, end exclusive. */
export interface PixelRect {
  rows: [number, number];
  cols: [number, number];
}

export interface HeatmapProps {
  /** Names the figure for tests and read-outs (`data-dataset`). */
  name: string;
  title: string;
  data: Data;
  unit?: string;
  x?: Axis;
  y?: Axis;
  /** 'equal': square pixels (pictures); 'auto': fill the panel (a shot × energy map). */
  aspect?: 'equal' | 'auto';
  /** Shift-drag a rectangle (the scan's ROI); the current one is drawn. */
  onSelect?: (rect: PixelRect) => void;
  selection?: PixelRect | null;
  /** Extra controls at the end of the toolbar. */
  tools?: ReactNode;
}

const SCALES: ColorScaleType[] = [ScaleType.Linear, ScaleType.Log, ScaleType.SymLog];
const DEFAULT_DOMAIN: [number, number] = [0, 1];
const MAGENTA = '#ff00ff';
const TRANSPARENT = 'rgba(255, 255, 255, 0)';

/** Pixel edges: from the pixels' centres, or 0 … n for the index. */
function edges(values: ArrayLike<number> | undefined, n: number): Float64Array {
  return values ? edgesOf(values) : Float64Array.from({ length: n + 1 }, (_, i) => i);
}

function Rectangle({ rect, cols, rows }: { rect: PixelRect; cols: Float64Array; rows: Float64Array }) {
  const [r0, r1] = rect.rows.map((r) => rows[Math.min(r, rows.length - 1)]);
  const [c0, c1] = rect.cols.map((c) => cols[Math.min(c, cols.length - 1)]);
  return (
    <DataToHtml points={[new Vector3(c0, r0), new Vector3(c1, r1)]}>
      {(p0, p1) => (
        <SvgElement>
          <SvgRect coords={[p0, p1]} fill="none" stroke="#ff3b30" strokeWidth={2} />
        </SvgElement>
      )}
    </DataToHtml>
  );
}

export function Heatmap(props: HeatmapProps) {
  const { name, title, data, unit, aspect = 'equal', onSelect, selection, tools } = props;
  const [scaleType, setScaleType] = useState<ColorScaleType>(ScaleType.Linear);
  const [colorMap, setColorMap] = useState<ColorMap>('Viridis');
  const [invert, setInvert] = useState(false);
  const [magentaNaN, setMagentaNaN] = useState(false);
  const [customDomain, setCustomDomain] = useState<CustomDomain>([null, null]);

  const { image, tiles } = useMemo(() => (data.shape.length === 3 ? tile(data) : { image: data, tiles: null }), [data]);
  const [rows, cols] = image.shape;
  const array = useMemo(() => ndarray(image.data as Float64Array, [rows, cols]), [image, rows, cols]);
  const texture = useMemo(() => toTypedNdArray(array, Float32Array), [array]);
  const dataDomain = useDomain(array, scaleType) ?? DEFAULT_DOMAIN;
  const visDomain = useVisDomain(customDomain, dataDomain);
  const [safeDomain] = useSafeDomain(visDomain, dataDomain, scaleType);
  const x = props.x ?? { label: tiles ? 'column (sensors side by side)' : 'column', unit: 'pixel' };
  const y = props.y ?? { label: 'row', unit: 'pixel' };
  const xEdges = useMemo(() => edges(x.values, cols), [x.values, cols]);
  const yEdges = useMemo(() => edges(y.values, rows), [y.values, rows]);
  const xIndex = useMemo(() => getValueToIndexScale(xEdges), [xEdges]);
  const yIndex = useMemo(() => getValueToIndexScale(yEdges), [yEdges]);
  const xDomain = getAxisDomain(xEdges) ?? DEFAULT_DOMAIN;
  const yDomain = getAxisDomain(yEdges) ?? DEFAULT_DOMAIN;

  return (
    <figure className="plot heatmap" data-dataset={name}>
      <figcaption>{title}</figcaption>
      <Toolbar>
        <DomainWidget dataDomain={dataDomain} customDomain={customDomain} scaleType={scaleType} onCustomDomainChange={setCustomDomain} />
        <Separator />
        <ColorMapSelector value={colorMap} onValueChange={setColorMap} invert={invert} onInversionChange={() => setInvert(!invert)} />
        <Separator />
        <ScaleSelector value={scaleType} onScaleChange={setScaleType} options={SCALES} />
        <Separator />
        <ToggleBtn label="NaN magenta" value={magentaNaN} onToggle={() => setMagentaNaN(!magentaNaN)} />
        {tools}
      </Toolbar>
      <div className="vis">
        <VisCanvas
          aspect={aspect}
          abscissaConfig={{ visDomain: xDomain, isIndexAxis: !x.values, label: withUnit(x.label, x.unit), formatTick: tick }}
          ordinateConfig={{ visDomain: yDomain, isIndexAxis: !y.values, label: withUnit(y.label, y.unit), formatTick: tick, flip: true }}
        >
          <DefaultInteractions />
          <ResetZoomButton />
          <TooltipMesh
            guides="both"
            renderTooltip={(xAt, yAt) => {
              const xi = xIndex(xAt);
              const yi = yIndex(yAt);
              const value = image.data[yi * cols + xi];
              const at = tiles ? sensorAt(tiles, xi) : null;
              if (tiles && !at) return <div className="readout">between sensors</div>;
              const where = at ? `sensor ${at.sensor + 1}, row ${yi}, col ${at.col}` : `row ${yi}, col ${xi}`;
              const axes = (x.values ? `, ${withUnit(x.label, x.unit)} ${fmt(x.values[xi], 6)}` : '') + (y.values ? `, ${withUnit(y.label, y.unit)} ${fmt(y.values[yi], 6)}` : '');
              return (
                <div className="readout" data-row={yi} data-col={at ? at.col : xi} data-sensor={at ? at.sensor + 1 : undefined} data-value={String(value)}>
                  {where}
                  {axes}: <strong>{fmt(value, 6)}</strong>
                  {unit ? ` ${unit}` : ''}
                </div>
              );
            }}
          />
          <HeatmapMesh values={texture} domain={safeDomain} scaleType={scaleType} colorMap={colorMap} invertColorMap={invert} badColor={magentaNaN ? MAGENTA : TRANSPARENT} scale={[1, -1, 1]} />
          {onSelect && (
            <SelectionTool
              modifierKey="Shift"
              onSelectionEnd={(s) => {
                if (!s) return;
                const [a, b] = s.data;
                // Every pixel the rectangle touches.
                const c = [xIndex(Math.min(a.x, b.x)), xIndex(Math.max(a.x, b.x)) + 1];
                const r = [yIndex(Math.min(a.y, b.y)), yIndex(Math.max(a.y, b.y)) + 1];
                if (r[1] > r[0] && c[1] > c[0]) onSelect({ rows: [r[0], r[1]], cols: [c[0], c[1]] });
              }}
            >
              {(s) => (
                <SvgElement>
                  <SvgRect coords={s.html} fill="none" stroke="#ff3b30" strokeWidth={2} />
                </SvgElement>
              )}
            </SelectionTool>
          )}
          {selection && <Rectangle rect={selection} cols={xEdges} rows={yEdges} />}
        </VisCanvas>
        <div className="colorbar">
          <ColorBar domain={safeDomain} scaleType={scaleType} colorMap={colorMap} invertColorMap={invert} withBounds />
          {unit && <span className="bar-unit">{unit}</span>}
        </div>
      </div>
    </figure>
  );
}
