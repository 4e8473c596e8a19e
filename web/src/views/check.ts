// The check report (`sacla check`, bindings/analysis/check.ts) in the run panel: problems
// first and always visible, what resolved folded away, each item with its ✓ / ! / ✗.
import { h } from '../dom.js';
import type { CheckItem, CheckLevel, CheckReport } from '../../../bindings/analysis/check.js';

const MARK: Record<CheckLevel, string> = { ok: '✓', warning: '!', error: '✗' };
// The order a config is read in (and `sacla check` prints).
const KINDS: CheckItem['kind'][] = ['run', 'detector', 'dark', 'value', 'filter', 'mask', 'output'];
const PLURAL: Record<CheckItem['kind'], string> = {
  run: 'run',
  detector: 'detectors',
  dark: 'darks',
  value: 'values',
  filter: 'filters',
  mask: 'masks',
  output: 'outputs',
};
const plural = (n: number, one: string, many = `${one}s`) => `${n} ${n === 1 ? one : many}`;

function item(i: CheckItem): HTMLElement {
  return h(
    'li',
    { class: `check-item ${i.level}`, dataset: { kind: i.kind, name: i.name, level: i.level } },
    h('span', { class: 'mark', title: i.level }, MARK[i.level]),
    h('span', { class: 'body' }, h('span', { class: 'what' }, `${i.kind} ${i.name}`), ' ', h('span', { class: 'msg' }, i.message)),
  );
}

function byKind(items: CheckItem[]): CheckItem[][] {
  return KINDS.map((k) => items.filter((i) => i.kind === k)).filter((g) => g.length);
}

/** The report as a DOM tree; `config` names what was checked when the report has no file name. */
export function checkReport(r: CheckReport, config: string): HTMLElement {
  const state: CheckLevel = r.errors ? 'error' : r.warnings ? 'warning' : 'ok';
  const errors = r.items.filter((i) => i.level === 'error');
  const warnings = r.items.filter((i) => i.level === 'warning');
  const ok = r.items.filter((i) => i.level === 'ok');
  const what = `${r.config ?? config} against run ${r.run ?? '?'}`;
  // The errors themselves follow right below: the verdict says what they mean for Analyse.
  const verdict =
    state === 'error'
      ? `${MARK.error} ${what}: ${plural(r.errors, 'error')}${r.warnings ? `, ${plural(r.warnings, 'warning')}` : ''}. The analysis will fail on ${r.errors === 1 ? 'this error' : 'these errors'}:`
      : state === 'warning'
        ? `${MARK.warning} ${what}: ok, ${plural(r.warnings, 'warning')}`
        : `${MARK.ok} ${what}: everything resolves`;
  const shots = r.goodShots !== null && r.shots !== null ? `${r.goodShots} of ${r.shots} shots pass the filters` : null;
  const kinds = byKind(ok)
    .map((g) => (g[0].kind === 'run' ? 'the run' : `${g.length} ${g.length === 1 ? g[0].kind : PLURAL[g[0].kind]}`))
    .join(', ');
  return h(
    'div',
    { class: `check ${state}`, dataset: { state, errors: String(r.errors), warnings: String(r.warnings) } },
    h('p', { class: 'verdict' }, verdict),
    shots && h('p', { class: 'shots' }, shots),
    errors.length + warnings.length > 0 && h('ul', { class: 'check-problems' }, ...byKind(errors).flat().map(item), ...byKind(warnings).flat().map(item)),
    ok.length > 0 &&
      h(
        'details',
        { class: 'check-ok' },
        h('summary', {}, `${MARK.ok} ${plural(ok.length, 'check')} passed${kinds ? `: ${kinds}` : ''}`),
        ...byKind(ok).map((g) => h('div', { class: 'check-group' }, h('h4', {}, PLURAL[g[0].kind]), h('ul', {}, ...g.map(item)))),
      ),
  );
}
