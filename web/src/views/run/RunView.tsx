// The run view: a result (a held result file, or an analysis under way: its live preview, see
// ./LiveView.tsx) as plots: pictures as heatmaps, spectra and histograms against their axes,
// per-shot traces, radial profiles, the top-k gallery. Each plot fetches its data when it comes
// on screen (./runData.ts). A result that gives way stays, hidden, until its plots have let go
// of their WebGL contexts one by one (../../plots/Seen.tsx).
import { memo, useEffect, useMemo, useRef, useState, type ReactNode } from 'react';
import { useStore, type RunSubject } from '../../store.js';
import { SeenGroup, release } from '../../plots/Seen.js';
import { RunData } from './runData.js';
import { panels as layout, type Panels } from './panels.js';
import { Summary } from './Summary.js';
import { LiveView } from './LiveView.js';
import { ImageView, CurveView } from './PanelViews.js';
import { Traces } from './Traces.js';
import { Gallery } from './Gallery.js';
import type { Preview, ResultMeta } from '../../types.js';

type Live = Extract<RunSubject, { kind: 'live' }>;

/** What a live analysis is known to hold once its first preview has come. */
function liveMeta(subject: Live, first: Preview): ResultMeta {
  const { shapes, datasets: small, units = {}, axes = {} } = first;
  return { id: `live-${subject.seq}`, label: subject.label, run: subject.run, attrs: {}, shapes, units, axes, small, config: subject.config, analysed: false, warnings: [] };
}

// Memoised: a view giving way is not drawn again (every plot's WebGL canvas with it).
const ResultBody = memo(function ResultBody({ meta }: { meta: ResultMeta }) {
  const data = useMemo(() => new RunData(meta, false), [meta]);
  const p: Panels = useMemo(() => layout(meta), [meta]);
  return (
    <>
      <Summary meta={meta} panels={p} data={data} live={false} />
      {p.images.length > 0 && (
        <section className="panel images">
          <h3>Images</h3>
          <div className="grid">
            {p.images.map((panel) => (
              <ImageView key={panel.name} data={data} panel={panel} />
            ))}
          </div>
        </section>
      )}
      {p.curves.length > 0 && (
        <section className="panel curves">
          <h3>Spectra, histograms, profiles</h3>
          <div className="grid">
            {p.curves.map((panel) => (
              <CurveView key={panel.key} data={data} panel={panel} />
            ))}
          </div>
        </section>
      )}
      {p.traces.length > 0 && <Traces data={data} names={p.traces} defaults={p.defaultTraces} units={meta.units} hasTag={'tag' in meta.shapes} />}
      {p.topk.map((t) => (
        <Gallery key={t.name} meta={meta} panel={t} ranking={p.perShotByChain[t.chain] ?? null} />
      ))}
    </>
  );
});

function LiveBody({ subject }: { subject: Live }) {
  const [meta, setMeta] = useState<ResultMeta | null>(null);
  const data = useMemo(() => new RunData(null, true, (first) => setMeta(liveMeta(subject, first))), [subject]);
  useEffect(() => () => data.stop(), [data]);
  const p = useMemo(() => meta && layout(meta), [meta]);
  if (!meta || !p) return <p className="placeholder">Analysing run {subject.run}… a preview appears with the first merged shots (with two workers or more).</p>;
  return <LiveView meta={meta} panels={p} data={data} />;
}

// One key per subject shown (the same result shown again is a new view: the old one may be leaving).
const keys = new WeakMap<RunSubject, string>();
let shownCount = 0;
function keyOf(s: RunSubject): string {
  let k = keys.get(s);
  if (!k) keys.set(s, (k = `view-${++shownCount}`));
  return k;
}

function bodyOf(subject: RunSubject): ReactNode {
  if (subject.kind === 'message') return <p className="placeholder">{subject.text}</p>;
  if (subject.kind === 'live') return <LiveBody subject={subject} />;
  return <ResultBody meta={subject.meta} />;
}

export function RunView() {
  const subject = useStore((s) => s.run);
  // Derived during render (not in an effect), so that a result giving way is never unmounted at once.
  const [shown, setShown] = useState<{ current: RunSubject; leaving: RunSubject[] }>({ current: subject, leaving: [] });
  if (shown.current !== subject) {
    const before = shown.current;
    setShown({ current: subject, leaving: before.kind === 'result' ? [...shown.leaving, before] : shown.leaving });
  }
  const releasing = useRef(new Set<RunSubject>());
  useEffect(() => {
    for (const s of shown.leaving) {
      if (releasing.current.has(s)) continue;
      releasing.current.add(s);
      void release(keyOf(s)).then(() => {
        releasing.current.delete(s);
        setShown((v) => ({ ...v, leaving: v.leaving.filter((l) => l !== s) }));
      });
    }
  }, [shown.leaving]);
  return (
    <>
      {[...shown.leaving, shown.current].map((s) => (
        <div key={keyOf(s)} className="run-body" hidden={s !== shown.current}>
          <SeenGroup.Provider value={keyOf(s)}>{bodyOf(s)}</SeenGroup.Provider>
        </div>
      ))}
    </>
  );
}
