// The scan view: one point per held result file, x and y from the table's expressions (as
// `sacla scan --x … --y …`), fitted with the library's Gaussian + background (the focus scan),
// exponential (the attenuator scan) or line; the parameters with units and one-sigma
// uncertainties, a warning on a degenerate or non-converged fit; log axes; CSV and PNG export.
// For an image y the rectangle can be dragged on the image (shift-drag).
import { useEffect, useMemo, useRef, useState } from 'react';
import { api } from '../../api.js';
import { useStore } from '../../store.js';
import { Heatmap, type PixelRect } from '../../plots/Heatmap.js';
import { download, plotPng } from '../../plots/png.js';
import { MODELS, modelFormula, modelParams, modelValue, csvField, plainNumber, type ModelName } from '../../fit.js';
import { ScanPlot } from './ScanPlot.js';
import { FitTable } from './FitTable.js';
import { fmt } from '../../plots/format.js';
import type { Data, ResultMeta, ScanData } from '../../types.js';

/** The focus motor of kuschel2023 first; the older names keep older result files' defaults. */
const X_DEFAULTS = ['sampleZ1', 'sampleZ2', 'attenuator_eh_5_Si_m', 'attenuator'];
const Y_IMAGE_DEFAULT = 'side_mean';
const MODEL_NAMES: Record<ModelName, string> = { gauss: 'Gaussian + background', exp: 'exponential + background', line: 'line' };

/** A name as an expression reads it (backquoted when it is not a plain identifier). */
const ref = (name: string) => (/^[A-Za-z_][A-Za-z0-9_]*$/.test(name) ? name : `\`${name}\``);

function common(results: ResultMeta[]): Record<string, number[]> {
  if (!results.length) return {};
  const first = results[0].shapes;
  return Object.fromEntries(Object.entries(first).filter(([n]) => results.every((r) => n in r.shapes)));
}

function defaults(shapes: Record<string, number[]>): { x: string; y: string } {
  const x = X_DEFAULTS.find((n) => n in shapes) ?? Object.keys(shapes).find((n) => shapes[n].length === 1 && n !== 'tag') ?? 'runNR';
  const y = Y_IMAGE_DEFAULT in shapes ? `nanmean(${Y_IMAGE_DEFAULT})` : (Object.keys(shapes).find((n) => shapes[n].length === 1 && n !== x && n !== 'tag') ?? 'runNR');
  return { x: `median(${ref(x)})`, y: y.includes('(') ? y : `nanmean(${ref(y)})` };
}

function pointsCsv(scan: ScanData): string {
  const fit = scan.fit;
  const header = ['run', scan.x.label, scan.y.label, ...(fit ? ['fit', 'residual'] : [])].map(csvField);
  const rows = scan.points.map((p) => {
    const f = fit ? modelValue(fit, p.x) : NaN;
    return [String(p.run), plainNumber(p.x), plainNumber(p.y), ...(fit ? [plainNumber(f), plainNumber(p.y - f)] : [])];
  });
  return [header, ...rows].map((r) => r.join(',')).join('\r\n') + '\r\n';
}

function fitCsv(scan: ScanData): string {
  const fit = scan.fit!;
  const rows = fit.parameters.map((p) => [p.name, plainNumber(p.value), plainNumber(p.error), csvField(scan.fitUnits[p.name] ?? ''), p.fixed ? 'fixed' : p.derived ? 'derived' : 'free']);
  return [['parameter', 'value', 'error', 'unit', 'status'], ...rows].map((r) => r.join(',')).join('\r\n') + '\r\n';
}

/** The rectangle of `nanmean(roi(name, r0, r1, c0, c1))`, when y is one. */
function roiOf(y: string, image: string): PixelRect | null {
  const m = new RegExp(`roi\\(\\s*${image.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')}\\s*,\\s*(\\d+)\\s*,\\s*(\\d+)\\s*,\\s*(\\d+)\\s*,\\s*(\\d+)\\s*\\)`).exec(y);
  return m ? { rows: [Number(m[1]), Number(m[2])], cols: [Number(m[3]), Number(m[4])] } : null;
}

export function ScanView() {
  const results = useStore((s) => s.results);
  const shapes = useMemo(() => common(results), [results]);
  const start = useMemo(() => defaults(shapes), [shapes]);
  const [x, setX] = useState<string | null>(null);
  const [y, setY] = useState<string | null>(null);
  const [model, setModel] = useState<ModelName | ''>('gauss');
  const [fixName, setFixName] = useState('');
  const [fixValue, setFixValue] = useState('0');
  const [logX, setLogX] = useState(false);
  const [logY, setLogY] = useState(false);
  const [scan, setScan] = useState<ScanData | null>(null);
  const [error, setError] = useState<string | null>(null);
  const [roiImage, setRoiImage] = useState<Data | null>(null);
  const plot = useRef<HTMLDivElement>(null);
  const xExpr = x ?? start.x;
  const yExpr = y ?? start.y;
  const images = Object.keys(shapes).filter((n) => shapes[n].length === 2);
  const perShot = Object.keys(shapes).filter((n) => shapes[n].length === 1 && n !== 'tag');
  const image = images.find((n) => new RegExp(`(^|[^A-Za-z0-9_\`])${n}($|[^A-Za-z0-9_\`])`).test(yExpr)) ?? null;
  const roi = image ? roiOf(yExpr, image) : null;
  const params = model ? modelParams(model) : [];
  const fixed = model && fixName && params.includes(fixName) && fixValue !== '' && Number.isFinite(Number(fixValue)) ? { [fixName]: Number(fixValue) } : {};

  useEffect(() => {
    if (!results.length) return;
    let alive = true;
    api
      .scan(
        results.map((r) => r.id),
        { x: xExpr, y: yExpr, fit: model || null, fixed },
      )
      .then((s) => alive && (setScan(s), setError(null)))
      .catch((err: Error) => alive && (setScan(null), setError(err.message)));
    return () => {
      alive = false;
    };
  }, [results, xExpr, yExpr, model, JSON.stringify(fixed)]);

  useEffect(() => {
    if (!image || !results.length) return setRoiImage(null);
    let alive = true;
    void api.dataset(results[0].id, image).then((d) => alive && setRoiImage(d));
    return () => {
      alive = false;
    };
  }, [image, results]);

  if (!results.length) return <p className="placeholder">Open result files (Table tab, or here) to scan across them: one point per run.</p>;
  return (
    <div className="scan">
      <section className="panel scan-controls">
        <h3>Axes</h3>
        <label className="expr">
          <b>x</b> = <input type="text" value={xExpr} onChange={(e) => setX(e.target.value)} spellCheck={false} data-testid="scan-x" />
        </label>
        <label className="expr">
          from{' '}
          <select value="" onChange={(e) => e.target.value && setX(`median(${ref(e.target.value)})`)}>
            <option value="">median of …</option>
            {[...perShot, 'runNR'].map((n) => (
              <option key={n} value={n}>
                {n}
              </option>
            ))}
          </select>
        </label>
        <label className="expr">
          <b>y</b> = <input type="text" value={yExpr} onChange={(e) => setY(e.target.value)} spellCheck={false} data-testid="scan-y" />
        </label>
        <label className="expr">
          from{' '}
          <select value="" onChange={(e) => e.target.value && setY(shapes[e.target.value]?.length === 1 ? `median(${ref(e.target.value)})` : `nanmean(${ref(e.target.value)})`)}>
            <option value="">mean or median of …</option>
            {Object.keys(shapes)
              .filter((n) => shapes[n].length <= 3 && n !== 'tag')
              .map((n) => (
                <option key={n} value={n}>
                  {n} [{shapes[n].join('×') || 'scalar'}]
                </option>
              ))}
          </select>
        </label>
        <p className="note">
          Expressions as in <code>sacla table</code> and <code>sacla scan</code> (docs/table.md): <code>median(sampleZ1)</code>, <code>nanmean(roi(side_mean, 0, 32, 0, 16))</code>,{' '}
          <code>sum(side_total) / sum(diode)</code>.
        </p>
        <div className="row">
          <label>
            fit{' '}
            <select value={model} onChange={(e) => setModel(e.target.value as ModelName | '')} data-testid="scan-model">
              <option value="">none</option>
              {MODELS.map((m) => (
                <option key={m} value={m}>
                  {MODEL_NAMES[m]}: {modelFormula(m)}
                </option>
              ))}
            </select>
          </label>
        </div>
        {model && (
          <div className="row">
            <label>
              fix{' '}
              <select value={fixName} onChange={(e) => setFixName(e.target.value)} data-testid="scan-fix">
                <option value="">nothing</option>
                {params.map((p) => (
                  <option key={p} value={p}>
                    {p}
                  </option>
                ))}
              </select>
            </label>
            {fixName && (
              <label>
                at <input type="number" step="any" value={fixValue} onChange={(e) => setFixValue(e.target.value)} data-testid="scan-fix-value" />
              </label>
            )}
          </div>
        )}
        <div className="row">
          <label>
            <input type="checkbox" checked={logX} onChange={(e) => setLogX(e.target.checked)} data-testid="scan-logx" /> log x
          </label>
          <label>
            <input type="checkbox" checked={logY} onChange={(e) => setLogY(e.target.checked)} data-testid="scan-logy" /> log y
          </label>
        </div>
        {image && roiImage && (
          <Heatmap
            name={`roi-${image}`}
            title={`${image} of run ${results[0].run}: shift-drag a rectangle for y = nanmean(roi(…))`}
            data={roiImage}
            unit={results[0].units[image]}
            selection={roi}
            onSelect={(r) => setY(`nanmean(roi(${ref(image)}, ${r.rows[0]}, ${r.rows[1]}, ${r.cols[0]}, ${r.cols[1]}))`)}
          />
        )}
      </section>
      <section className="panel scan-plot">
        {error && <pre className="error" data-testid="scan-error">{error}</pre>}
        {scan && (
          <>
            <h3 data-testid="scan-title">
              {scan.y.label} against {scan.x.label} ({scan.points.length} runs)
            </h3>
            <div ref={plot}>
              <ScanPlot scan={scan} logX={logX} logY={logY} />
            </div>
            <div className="row">
              <button type="button" onClick={() => download(new Blob([pointsCsv(scan)], { type: 'text/csv' }), 'scan.csv')} data-testid="scan-csv">
                points CSV
              </button>
              {scan.fit && (
                <button type="button" onClick={() => download(new Blob([fitCsv(scan)], { type: 'text/csv' }), 'scan-fit.csv')} data-testid="scan-fit-csv">
                  fit CSV
                </button>
              )}
              <button type="button" onClick={() => void plotPng(plot.current!.querySelector('.vis')!).then((b) => download(b, 'scan.png'))} data-testid="scan-png">
                PNG
              </button>
            </div>
            {scan.fit && <FitTable fit={scan.fit} units={scan.fitUnits} />}
            {scan.problems.length > 0 && (
              <ul className="problems" data-testid="scan-problems">
                {scan.problems.map((p, i) => (
                  <li key={i}>{p}</li>
                ))}
              </ul>
            )}
            <table className="points">
              <thead>
                <tr>
                  <th>run</th>
                  <th>x</th>
                  <th>y</th>
                  {scan.fit && <th>fit</th>}
                </tr>
              </thead>
              <tbody data-testid="scan-points">
                {scan.points.map((p) => (
                  <tr key={p.id} data-x={String(p.x)} data-y={String(p.y)}>
                    <td>{p.run}</td>
                    <td>{fmt(p.x, 6)}</td>
                    <td>{fmt(p.y, 6)}</td>
                    {scan.fit && <td>{fmt(modelValue(scan.fit, p.x), 6)}</td>}
                  </tr>
                ))}
              </tbody>
            </table>
          </>
        )}
      </section>
    </div>
  );
}
