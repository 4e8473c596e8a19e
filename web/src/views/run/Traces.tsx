// Per-shot traces: the outputs with one number per shot and the database values, against the
// good-shot index, the tag, the time (from the tag: SACLA's tag clock runs at 60 Hz) or, as a
// scatter, against any other per-shot value; optionally each divided by a per-shot value (the
// diode, say). The good-shot index is the one the top-k gallery names.
import { useState } from 'react';
import { LinePlot } from '../../plots/LinePlot.js';
import { ScatterPlot } from '../../plots/ScatterPlot.js';
import { Seen } from '../../plots/Seen.js';
import { useDatasets, type RunData } from './runData.js';
import type { Axis } from '../../plots/Heatmap.js';

/** Tags count pulses of SACLA's 60 Hz clock (30 Hz operation: every other tag). */
export const TAG_HZ = 60;

const BY_INDEX = 'good shot';
const BY_TAG = 'tag';
const BY_TIME = 'time';

export function traceAxis(choice: string, tag: ArrayLike<number> | undefined, n: number, values: ArrayLike<number> | undefined, unit: string): Axis {
  if (choice === BY_TAG && tag) return { label: 'tag', values: tag };
  if (choice === BY_TIME && tag) return { label: 'time since the first good shot', unit: 's', values: Array.from(tag, (t) => (t - tag[0]) / TAG_HZ) };
  if (choice !== BY_INDEX && values) return { label: choice, unit, values };
  return { label: 'good shot', values: Float64Array.from({ length: n }, (_, i) => i) };
}

function ratio(y: ArrayLike<number>, by: ArrayLike<number> | undefined): ArrayLike<number> {
  if (!by) return y;
  return Float64Array.from(y, (v, i) => v / by[i]);
}

const ratioUnit = (a: string, b: string) => (a && b ? (a === b ? '' : `${a}/${b}`) : a ? a : b ? `1/${b}` : '');

function Trace({ data, name, x, norm, units }: { data: RunData; name: string; x: string; norm: string; units: Record<string, string> }) {
  const scatter = ![BY_INDEX, BY_TAG, BY_TIME].includes(x);
  // Unused slots ask for the tag again (one request, counted twice).
  const [y, tag, xValues, by] = useDatasets(data, [name, 'tag', scatter ? x : 'tag', norm || 'tag']);
  if (!y || (norm && !by)) return <p className="placeholder small">{name}: waiting for its values…</p>;
  const values = ratio(y.data, norm ? by!.data : undefined);
  const label = norm ? `${name} / ${norm}` : name;
  const unit = norm ? ratioUnit(units[name] ?? '', units[norm] ?? '') : (units[name] ?? '');
  if (scatter) {
    const xs = xValues?.data;
    if (!xs) return <p className="placeholder small">{name}: waiting for {x}…</p>;
    return (
      <ScatterPlot
        name={name}
        title={`${label} against ${x}`}
        x={{ label: x, unit: units[x], values: xs }}
        y={{ label, unit, values }}
        colour={{ label: 'good shot', values: Float64Array.from({ length: values.length }, (_, i) => i) }}
      />
    );
  }
  return <LinePlot name={name} title={label} x={traceAxis(x, tag?.data, values.length, undefined, '')} yLabel={label} yUnit={unit} series={[{ name: label, values }]} />;
}

export function Traces({ data, names, defaults, units, hasTag }: { data: RunData; names: string[]; defaults: string[]; units: Record<string, string>; hasTag: boolean }) {
  const [shown, setShown] = useState<string[]>(defaults);
  const [x, setX] = useState(BY_INDEX);
  const [norm, setNorm] = useState('');
  const toggle = (n: string) => setShown(shown.includes(n) ? shown.filter((s) => s !== n) : names.filter((m) => m === n || shown.includes(m)));
  const xChoices = [BY_INDEX, ...(hasTag ? [BY_TAG, BY_TIME] : []), ...names];
  return (
    <section className="panel traces">
      <h3>Per-shot traces</h3>
      <div className="row">
        <label>
          against{' '}
          <select value={x} onChange={(e) => setX(e.target.value)} data-testid="trace-x">
            {xChoices.map((c) => (
              <option key={c} value={c}>
                {c === BY_TIME ? 'time (s, from the tag)' : c}
              </option>
            ))}
          </select>
        </label>
        <label>
          divided by{' '}
          <select value={norm} onChange={(e) => setNorm(e.target.value)} data-testid="trace-norm">
            <option value="">nothing</option>
            {names.map((c) => (
              <option key={c} value={c}>
                {c}
              </option>
            ))}
          </select>
        </label>
      </div>
      <div className="trace-pick">
        {names.map((n) => (
          <label key={n}>
            <input type="checkbox" value={n} checked={shown.includes(n)} onChange={() => toggle(n)} /> {n}
          </label>
        ))}
      </div>
      <div className="stack">
        {shown.map((n) => (
          <Seen key={`${n}|${x}|${norm}`} name={n} height={260}>
            <Trace data={data} name={n} x={x} norm={norm} units={units} />
          </Seen>
        ))}
      </div>
    </section>
  );
}
