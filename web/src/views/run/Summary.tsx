// The head of the run view: which run, how many shots passed which filter, how it was made,
// the one-number outputs, and what could not be drawn.
import { useSyncExternalStore, type ReactNode } from 'react';
import { fmt } from '../../plots/format.js';
import type { Panels } from './panels.js';
import type { RunData } from './runData.js';
import type { ResultMeta } from '../../types.js';

interface FilterOutcome {
  kind: string;
  value: string;
  removed: number;
}

function filtersOf(attrs: ResultMeta['attrs']): FilterOutcome[] {
  try {
    return typeof attrs.filters === 'string' ? (JSON.parse(attrs.filters) as FilterOutcome[]) : [];
  } catch {
    return [];
  }
}

export function Summary({ meta, panels, data, live }: { meta: ResultMeta; panels: Panels; data: RunData; live: boolean }) {
  const done = useSyncExternalStore(data.subscribe, () => data.done);
  const a = meta.attrs;
  const good = Number(a.good_shots ?? meta.shapes.tag?.[0] ?? NaN);
  const config = (meta.config as { name?: string } | null)?.name ?? '—';
  const pairs: [string, ReactNode][] = live
    ? [['shots merged so far', done]]
    : [
        ['good shots', <span data-testid="good-shots">{good}</span>],
        ['shots in run', String(a.shots_in_run ?? '?')],
        ...filtersOf(a).map((f): [string, string] => [`removed by ${f.kind} (${f.value})`, String(f.removed)]),
        ['config', <span>{config} <code>{String(a.config_hash ?? '').slice(0, 12)}</code></span>],
        ['workers', String(a.workers ?? '—')],
        ['version', String(a.version ?? '—')],
        ['created', String(a.created ?? '—')],
        ...panels.scalars.filter((n) => meta.small[n]).map((n): [string, string] => [n, `${fmt(meta.small[n].data[0], 6)}${meta.units[n] ? ` ${meta.units[n]}` : ''}`]),
      ];
  const notes = [...meta.warnings, ...panels.skipped.map((x) => `not drawn: ${x.name} (${x.why})`)];
  return (
    <section className="panel summary" data-testid="summary">
      <h2>
        Run <span data-testid="run-number">{meta.run}</span> {live && <em className="live">(running: partial results)</em>}
      </h2>
      <p className="source">{meta.label}</p>
      <dl>
        {pairs.map(([k, v]) => (
          <div key={k} className="pair">
            <dt>{k}</dt>
            <dd>{v}</dd>
          </div>
        ))}
      </dl>
      {notes.length > 0 && (
        <ul className="warnings">
          {notes.map((w, i) => (
            <li key={i}>{w}</li>
          ))}
        </ul>
      )}
    </section>
  );
}
