// The logbook table (bindings/analysis/table, `sacla table`): expressions against numbers
// worked out here by hand from the analysis results of small synthetic runs, the column file's
// validation, the number formats, and the command's text, CSV and JSON.
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { analyseRun, loadConfig, openResult, writeResult, writeSyntheticRun, type AnalysisResult } from 'sacla-analysis/node';
import { Expression, ExpressionError, type ResultSource } from '../../bindings/analysis/table/expression.js';
import { parseColumnFile, validateColumns } from '../../bindings/analysis/table/columns.js';
import { RunTable, chooseFormat, formatColumn, formatWithError } from '../../bindings/analysis/table/table.js';

const cli = fileURLToPath(new URL('../../dist/bindings/cli/main.js', import.meta.url));
const CONFIG = fileURLToPath(new URL('../../configs/kuschel2023.json', import.meta.url));
const sacla = (...args: string[]) => spawnSync(process.execPath, [cli, ...args], { encoding: 'utf8', timeout: 120_000 });

const RUNS = [3, 4, 5, 6];
let dir: string;
let results: string;
const analysed = new Map<number, AnalysisResult>();

beforeAll(async () => {
  if (!existsSync(cli)) throw new Error(`${cli} is missing: run npm run build`);
  dir = mkdtempSync(join(tmpdir(), 'sacla-table-'));
  results = join(dir, 'results');
  for (const run of RUNS) {
    await writeSyntheticRun({ out: join(dir, 'data'), run, shots: 40, preset: 'small', seed: run });
    const config = await loadConfig(CONFIG, { dataDir: join(dir, 'data') });
    const result = await analyseRun(config, { data: join(dir, 'data'), run }, { workers: 1, warn: () => {} });
    await writeResult(results, result);
    analysed.set(run, result);
  }
}, 120_000);

afterAll(() => rmSync(dir, { recursive: true, force: true }));

/** A dataset of an analysed run as plain numbers. */
const data = (run: number, name: string) => Array.from(analysed.get(run)!.outputs[name].data as ArrayLike<number>);
const shape = (run: number, name: string) => analysed.get(run)!.outputs[name].shape;

/** An analysis result as the table reads a result file (no file involved). */
function source(run: number): ResultSource {
  const r = analysed.get(run)!;
  return { run, names: Object.keys(r.outputs), attrs: r.attrs, read: (name) => r.outputs[name] };
}

// By-hand statistics, NumPy's definitions.
const sum = (v: number[]) => v.reduce((s, x) => s + x, 0);
const mean = (v: number[]) => sum(v) / v.length;
const median = (v: number[]) => {
  const s = [...v].sort((a, b) => a - b);
  const h = s.length >> 1;
  return s.length % 2 ? s[h] : (s[h - 1] + s[h]) / 2;
};
const finite = (v: number[]) => v.filter((x) => !Number.isNaN(x));
const close = (a: number, b: number, rel = 1e-12) => expect(Math.abs(a - b)).toBeLessThanOrEqual(rel * Math.max(Math.abs(a), Math.abs(b), 1e-300));

/** Hand-made rectangle of a row-major image. */
function rect(values: number[], cols: number, r0: number, r1: number, c0: number, c1: number): number[] {
  const out: number[] = [];
  for (let r = r0; r < r1; r++) for (let c = c0; c < c1; c++) out.push(values[r * cols + c]);
  return out;
}

describe('expressions against hand-computed values', () => {
  test('reductions of per-shot values and root attributes', () => {
    for (const run of RUNS) {
      const s = source(run);
      const ev = (e: string) => new Expression(e).evaluate(s);
      close(ev('median(sampleY)'), median(data(run, 'sampleY')));
      close(ev('mean(side_total)'), mean(data(run, 'side_total')));
      close(ev('sum(side_total)/sum(diode)'), sum(data(run, 'side_total')) / sum(data(run, 'diode')));
      close(ev('mean(side_total / diode)'), mean(data(run, 'side_total').map((v, i) => v / data(run, 'diode')[i])));
      close(ev('std(diode)'), Math.sqrt(mean(data(run, 'diode').map((v) => (v - mean(data(run, 'diode'))) ** 2))));
      close(ev('min(diode) + max(diode)'), Math.min(...data(run, 'diode')) + Math.max(...data(run, 'diode')));
      expect(ev('first(tag)')).toBe(data(run, 'tag')[0]);
      expect(ev('last(tag) - first(tag)')).toBe(data(run, 'tag').at(-1)! - data(run, 'tag')[0]);
      expect(ev('count(diode)')).toBe(analysed.get(run)!.goodShots);
      expect(ev('attr(good_shots)')).toBe(analysed.get(run)!.goodShots);
      expect(ev('attr(shots_in_run) - attr(good_shots)')).toBe(40 - analysed.get(run)!.goodShots);
      expect(ev('runNR')).toBe(run);
      // Precedence: ^ above unary minus and ×, right-associative; typographic operators too.
      expect(ev('-2^2')).toBe(-4);
      expect(ev('2^3^2')).toBe(512);
      expect(ev('2 × 3 − 1')).toBe(5);
      expect(ev('(1 + 2) * 3 / 4')).toBe(2.25);
      expect(ev('2**-1')).toBe(0.5);
      close(ev('log10(median(diode))'), Math.log10(median(data(run, 'diode'))));
      // numpy.percentile's linear interpolation.
      const sorted = [...data(run, 'diode')].sort((a, b) => a - b);
      const h = (sorted.length - 1) * 0.9;
      close(ev('percentile(diode, 90)'), sorted[Math.floor(h)] + (h - Math.floor(h)) * (sorted[Math.ceil(h)] - sorted[Math.floor(h)]));
    }
  });

  test('roi(): a rectangle of the side picture, NaN kept by mean and left out by nanmean', () => {
    for (const run of RUNS) {
      const s = source(run);
      const [rows, cols] = shape(run, 'side_mean');
      expect([rows, cols]).toEqual([64, 70]);
      const image = data(run, 'side_mean');
      const inside = rect(image, cols, 16, 48, 0, 24);
      close(new Expression('nanmean(roi(side_mean, 16, 48, 0, 24))').evaluate(s), mean(finite(inside)));
      const m = new Expression('mean(roi(side_mean, 16, 48, 0, 24))').evaluate(s);
      if (inside.some(Number.isNaN)) expect(m).toBeNaN();
      else close(m, mean(inside));
      // The gap between the two sensors is NaN: max propagates it, nanmax does not.
      expect(new Expression('max(side_mean)').evaluate(s)).toBeNaN();
      expect(new Expression('nanmax(side_mean)').evaluate(s)).toBe(Math.max(...finite(image)));
      expect(new Expression('count(roi(side_mean, 0, 64, 32, 38))').evaluate(s)).toBe(0);
      expect(new Expression('size(roi(side_mean, 0, 64, 32, 38))').evaluate(s)).toBe(64 * 6);
      close(new Expression('nanmedian(roi(side_mean, 0, 8, 60, 70))').evaluate(s), median(finite(rect(image, cols, 0, 8, 60, 70))));
      // A 3-D stack (the top-5 side pictures): the rectangle of every picture.
      const [k, r3, c3] = shape(run, 'side_top_image');
      const stack = data(run, 'side_top_image');
      const expected: number[] = [];
      for (let p = 0; p < k; p++) expected.push(...rect(stack.slice(p * r3 * c3, (p + 1) * r3 * c3), c3, 2, 5, 3, 9));
      close(new Expression('nansum(roi(side_top_image, 2, 5, 3, 9))').evaluate(s), sum(finite(expected)));
    }
  });

  test('arrays of different shapes, and an array where one number is needed, are errors', () => {
    const s = source(3);
    expect(() => new Expression('side_total + side_mean').evaluate(s)).toThrow(/"\+" needs arrays of the same shape, got \[\d+\] and \[64, 70\]/);
    expect(() => new Expression('side_total / diode').evaluate(s)).toThrow(/gives \d+ values \(shape \[\d+\]\) for run 3: reduce them to one number with mean/);
  });
});

describe('expression errors name the place', () => {
  const error = (text: string, s?: ResultSource): ExpressionError => {
    try {
      const e = new Expression(text);
      if (s) e.evaluate(s);
    } catch (err) {
      expect(err).toBeInstanceOf(ExpressionError);
      return err as ExpressionError;
    }
    throw new Error(`no error for ${text}`);
  };

  test.each([
    ['median(sampleY', 14, /expected "," or "\)" in the arguments of median, got the end/],
    ['mean(side_mean))', 15, /expected an operator or the end, got "\)"/],
    ['1 + * 2', 4, /expected a number, a dataset name, a function or "\(", got "\*"/],
    ['meen(diode)', 0, /unknown function "meen" \(did you mean "mean"\?\); functions: mean, median, sum/],
    ['roi(side_mean, 1, 2, 3)', 0, /roi takes 5 arguments: roi\(image, r0, r1, c0, c1\), got 4/],
    ['attr(1)', 5, /attr takes the name of a root attribute/],
    ['2x', 1, /a number followed by a name/],
    ['mean(diode) $ 2', 12, /unexpected "\$"/],
    ['', 0, /an expression, got nothing/],
  ])('%s', (text, position, reason) => {
    const err = error(text);
    expect(err.position).toBe(position);
    expect(err.reason).toMatch(reason);
    // The message repeats the expression with a caret under the place.
    const lines = err.message.split('\n');
    expect(lines[0]).toContain(`column ${position + 1}:`);
    expect(lines[2].indexOf('^') - 2).toBe(position);
  });

  test('a dataset the run lacks: its position, a suggestion and the datasets there are', () => {
    const err = error('2 * median(sampleZ)', source(3));
    expect(err.position).toBe(11);
    expect(err.reason).toMatch(/^no dataset "sampleZ" in run 3 \(did you mean "sampleZ1"\?\); datasets: /);
    for (const name of source(3).names) expect(err.reason.split('datasets: ')[1].split(', ')).toContain(name);
  });

  test('roi outside the image, attr of no attribute or of a text', () => {
    const s = source(3);
    expect(error('mean(roi(side_mean, 16, 80, 0, 24))', s).reason).toMatch(/rows 16–80 \(end exclusive\) are not inside the 64 rows of \[64, 70\]/);
    expect(error('mean(roi(side_mean, 16, 80, 0, 24))', s).position).toBe(20);
    expect(error('mean(roi(diode, 0, 1, 0, 1))', s).reason).toMatch(/roi needs a 2-D image or a 3-D stack of sensors, got shape \[\d+\]/);
    expect(error('mean(roi(side_mean, 0.5, 8, 0, 8))', s).reason).toMatch(/r0 must be an integer ≥ 0, got 0.5/);
    expect(error('attr(god_shots)', s).reason).toMatch(/no attribute "god_shots" in run 3 \(did you mean "good_shots"\?\); numeric attributes: .*good_shots/);
    expect(error('attr(config_hash)', s).reason).toMatch(/attribute "config_hash" of run 3 is not a number/);
  });
});

describe('the column file', () => {
  const fails = (raw: unknown) => {
    try {
      validateColumns(raw, 'cols.json');
    } catch (err) {
      return (err as Error).message.split('\n');
    }
    throw new Error('no error');
  };

  test('a good file: expressions parsed, units and formats kept', () => {
    const cols = parseColumnFile(
      JSON.stringify({ columns: [{ name: 'signal', expr: 'nanmean(roi(side_mean, 16, 48, 0, 24))', unit: 'eV/px', format: '.2f' }, { name: 'y', expr: 'median(sampleY)' }] }),
      'cols.json',
    );
    expect(cols.map((c) => [c.name, c.expr.text, c.unit, c.format])).toEqual([
      ['signal', 'nanmean(roi(side_mean, 16, 48, 0, 24))', 'eV/px', { fixed: 2 }],
      ['y', 'median(sampleY)', null, 'auto'],
    ]);
  });

  test('every mistake at once, each with its path', () => {
    const lines = fails({
      columns: [
        { name: 'a', expr: 'mean(' },
        { name: 'b', exp: 'x' },
        { name: 'a', expr: 'sum(diode)', format: '%.3f' },
        { name: 'run', expr: '1' },
        { name: 'c', expr: 'sum(diode)', unit: 3 },
        'd',
      ],
      column: [],
    });
    expect(lines).toEqual([
      'cols.json: column: expected the key columns (did you mean "columns"?), got an unknown key',
      'cols.json: columns[0].expr: expected a valid expression, got "mean(" (column 6: expected a number, a dataset name, a function or "(", got the end)',
      'cols.json: columns[1].exp: expected one of the keys name, expr, unit, format (did you mean "expr"?), got an unknown key',
      'cols.json: columns[1].expr: expected an expression (a string), e.g. "median(sampleY)", got nothing',
      'cols.json: columns[2].format: expected a number format: "auto", "d", ".3f" (fixed, 3 decimals) or ".4e" (scientific, 4 decimals), got "%.3f"',
      'cols.json: columns[3].name: expected a name other than the default columns\' (run, start, good, shots, photon_energy), got "run"',
      'cols.json: columns[4].unit: expected a unit (a string, e.g. "eV"), got 3',
      'cols.json: columns[5]: expected a column { "name", "expr", "unit"?, "format"? }, got "d"',
    ]);
    expect(fails({ columns: [{ name: 'a', expr: '1' }, { name: 'a', expr: '2' }] })).toEqual(['cols.json: columns[1].name: expected a name not already used by columns[0], got "a"']);
    expect(fails([])).toEqual(['cols.json: (top level): expected an object { "columns": [{ "name", "expr", "unit"?, "format"? }, …] }, got an empty list']);
  });

  test('a JSON syntax error names its line and column', () => {
    expect(() => parseColumnFile('{\n  "columns": [\n    {"name": "a", "expr": "1",}\n  ]\n}', 'cols.json')).toThrow(/^cols\.json: line 3, column 31: expected valid JSON, got /);
  });
});

describe('number formats: one per column', () => {
  test('chosen from the values', () => {
    expect(chooseFormat([1, 2, 30000])).toBe('d');
    expect(chooseFormat([9998, 10000.5, 1.5])).toEqual({ fixed: 1 });
    expect(chooseFormat([0.1234, 0.5])).toEqual({ fixed: 4 });
    expect(chooseFormat([523.4, 0.5])).toEqual({ fixed: 2 });
    expect(chooseFormat([1.2e-4, 3e-4])).toEqual({ sci: 3 });
    expect(chooseFormat([2e6, 3.5])).toEqual({ sci: 3 });
    expect(chooseFormat([100, 1e-7])).toEqual({ sci: 3 });
    expect(chooseFormat([NaN, null])).toBe('d');
  });

  test('the old mix (9998 / 1.000e+4) is one format now; NaN is nan, missing is -', () => {
    expect(formatColumn([9998, 10000, 10001.25])).toEqual(['9998', '10000', '10001']);
    expect(formatColumn([9998, 10000, 1.25])).toEqual(['9998.0', '10000.0', '1.3']);
    expect(formatColumn([9998, 10000])).toEqual(['9998', '10000']);
    expect(formatColumn([1.5e-4, -2.25e-4, NaN, null, Infinity])).toEqual(['1.500e-4', '-2.250e-4', 'nan', '-', 'inf']);
    expect(formatColumn([1.5e-4, -2.25e-3])).toEqual(['0.000150', '-0.002250']);
    expect(formatColumn([-1e-9, 2.5], { fixed: 2 })).toEqual(['0.00', '2.50']);
    expect(formatColumn([1234.5678, 2], { sci: 2 })).toEqual(['1.23e+3', '2.00e+0']);
  });

  test('every column of random magnitudes reads in one format with the same digits', () => {
    let seed = 7;
    const random = () => ((seed = (seed * 16807) % 2147483647) / 2147483647);
    for (let trial = 0; trial < 300; trial++) {
      const scale = 10 ** Math.floor(random() * 16 - 8);
      const values = Array.from({ length: 8 }, () => (random() - 0.3) * scale * (random() < 0.2 ? 1000 : 1));
      const cells = formatColumn(values);
      const fixed = cells.map((c) => /^-?\d+(?:\.(\d+))?$/.exec(c));
      const sci = cells.map((c) => /^-?\d\.(\d+)e[+-]\d+$/.exec(c));
      if (fixed.every(Boolean)) expect(new Set(fixed.map((m) => m![1]?.length ?? 0)).size, cells.join(' ')).toBe(1);
      else {
        expect(sci.every(Boolean), cells.join(' ')).toBe(true);
        expect(new Set(sci.map((m) => m![1].length)).size).toBe(1);
      }
    }
  });

  test('a value with its uncertainty', () => {
    expect(formatWithError(0.41321, 0.00213)).toBe('0.4132 ± 0.0021');
    expect(formatWithError(47.04, 1.451)).toBe('47.0 ± 1.5');
    expect(formatWithError(983886.2, 8873.6)).toBe('(9.839 ± 0.089)e+5');
    expect(formatWithError(2.9927e-4, 1.93e-5)).toBe('(2.99 ± 0.19)e-4');
    expect(formatWithError(3.82, Infinity)).toBe('3.820 ± inf');
    expect(formatWithError(NaN, 1)).toBe('nan');
  });
});

describe('RunTable', () => {
  test('default columns, user columns, sorting with NaN last, JSON', () => {
    const columns = validateColumns(
      { columns: [{ name: 'signal', expr: 'nanmean(roi(side_mean, 16, 48, 0, 24))', unit: 'eV/px' }, { name: 'sampleY', expr: 'mean(sampleY)', format: '.3e' }, { name: 'odd', expr: 'mean(roi(side_mean, 0, 64, 30, 40))' }] },
      'cols.json',
    );
    const table = new RunTable({ columns });
    for (const run of RUNS) table.add(source(run));
    table.check();
    const names = table.columns.map((c) => c.name);
    // No photon energy without a run file or attribute; a user column named like a value replaces its median.
    expect(names).toEqual(['run', 'start', 'good', 'shots', 'sampleX2', 'sampleZ1', 'attenuator_eh_5_Si_m', 'crystalTheta_pulses', 'diode', 'shutter_open', 'signal', 'sampleY', 'odd']);
    expect(table.columns.find((c) => c.name === 'signal')!.header).toBe('signal (eV/px)');
    const json = table.json();
    expect(json.map((r) => r.run)).toEqual(RUNS);
    for (const [i, run] of RUNS.entries()) {
      close(json[i].sampleZ1 as number, median(finite(data(run, 'sampleZ1'))));
      close(json[i].sampleY as number, mean(data(run, 'sampleY')));
      expect(json[i].good).toBe(analysed.get(run)!.goodShots);
      expect(json[i].start).toBe(new Date(Number(analysed.get(run)!.attrs.run_start) * 1000).toISOString().replace('.000Z', 'Z'));
      expect(json[i].odd).toBeNull(); // NaN (the gap) → null
    }
    table.sort('signal', true);
    const signals = table.json().map((r) => r.signal as number);
    expect(signals).toEqual([...signals].sort((a, b) => b - a));
    table.sort('odd');
    expect(table.rows.map((r) => r.run)).toEqual(RUNS); // all NaN: run order
    expect(() => table.sort('nope')).toThrow(/--sort: no column "nope" \(columns: run, start, good/);
  });

  test('a column failing in every run is a mistake (its place named); in some runs, a nan cell', () => {
    const table = new RunTable({ columns: validateColumns({ columns: [{ name: 'z', expr: 'median(sampleZ) + 1' }] }, 'cols.json') });
    for (const run of RUNS) table.add(source(run));
    expect(table.rows[0].problems[0]).toMatch(/^run 3: column z: column 8: no dataset "sampleZ"/);
    expect(() => table.check('cols.json')).toThrow(/^cols\.json: column z, in every run: "median\(sampleZ\) \+ 1", column 8: no dataset "sampleZ"/);

    const some = new RunTable({ columns: validateColumns({ columns: [{ name: 'z', expr: 'median(sampleZ1)' }] }, 'cols.json') });
    some.add(source(3));
    some.add({ ...source(4), names: source(4).names.filter((n) => n !== 'sampleZ1') });
    expect(() => some.check()).not.toThrow();
    expect(some.json()[1].z).toBeNull();
    expect(some.rows[1].problems).toHaveLength(1);
  });
});

describe('portable', () => {
  test('nothing under bindings/analysis/table imports Node, directly or through what it imports', () => {
    const root = fileURLToPath(new URL('../../bindings/analysis/table/', import.meta.url));
    const seen = new Set<string>();
    const visit = (file: string) => {
      if (seen.has(file)) return;
      seen.add(file);
      const text = readFileSync(file, 'utf8');
      for (const m of text.matchAll(/^\s*(?:import|export)\b[^'"]*?from\s*'([^']+)'|import\(\s*'([^']+)'\s*\)/gm)) {
        const spec = m[1] ?? m[2];
        expect(spec.startsWith('node:') || ['fs', 'path', 'os', 'child_process', 'worker_threads'].includes(spec), `${file} imports ${spec}`).toBe(false);
        if (spec.startsWith('.')) visit(resolve(dirname(file), spec.replace(/\.js$/, '.ts')));
      }
    };
    for (const f of readdirSync(root).filter((f) => f.endsWith('.ts'))) visit(join(root, f));
    expect(seen.size).toBeGreaterThan(5);
  });

  test('an opened result file is a source as it is', async () => {
    const file = await openResult(join(results, 'run_4.h5'));
    try {
      const table = new RunTable();
      table.add(file);
      expect(table.json()[0].diode).toBe(median(finite(data(4, 'diode'))));
    } finally {
      file.close();
    }
  });
});

/** RFC 4180 fields of a CSV text (quoted fields, doubled quotes, CRLF). */
function parseCsv(text: string): string[][] {
  const rows: string[][] = [];
  let row: string[] = [];
  let field = '';
  let quoted = false;
  for (let i = 0; i < text.length; i++) {
    const ch = text[i];
    if (quoted) {
      if (ch === '"' && text[i + 1] === '"') (field += '"'), i++;
      else if (ch === '"') quoted = false;
      else field += ch;
    } else if (ch === '"') quoted = true;
    else if (ch === ',') row.push(field), (field = '');
    else if (ch === '\r' && text[i + 1] === '\n') {
      row.push(field), rows.push(row), (row = []), (field = ''), i++;
    } else field += ch;
  }
  if (field || row.length) row.push(field), rows.push(row);
  return rows;
}

describe('sacla table', () => {
  let columnFile: string;
  beforeAll(() => {
    columnFile = join(dir, 'columns.json');
    writeFileSync(
      columnFile,
      JSON.stringify({
        columns: [
          { name: 'signal', expr: 'nanmean(roi(side_mean, 16, 48, 0, 24))', unit: 'eV/px' },
          { name: 'ratio', expr: 'sum(side_total)/sum(diode)' },
          { name: 'side, "quoted"', expr: 'median(sampleY) * 1e3', unit: 'mm', format: '.4f' },
        ],
      }),
    );
  });

  test('an aligned table: the header over its column, numbers right-aligned in one format', () => {
    const r = sacla('table', '--results', results, '--columns', columnFile);
    expect(r.status, r.stderr).toBe(0);
    const lines = r.stdout.trimEnd().split('\n');
    expect(lines[0]).toMatch(/^run {2}start \(UTC\) {11}good {2}shots {2}photon_energy \(eV\) {2}sampleX2 .* signal \(eV\/px\) {2}ratio {2}side, "quoted" \(mm\)$/);
    expect(lines[1]).toMatch(/^-+( {2}-+)+$/);
    expect(lines.slice(2).map((l) => l.trim().split(/\s+/)[0])).toEqual(RUNS.map(String));
    // Every column's cells end where its rule ends (right-aligned), or start where it starts.
    const rules = [...lines[1].matchAll(/-+/g)].map((m) => [m.index!, m.index! + m[0].length]);
    for (const line of lines.slice(2)) {
      for (const [a, b] of rules) {
        const cell = line.slice(a, b);
        expect(cell.trim().length, `${line}\n${cell}`).toBeGreaterThan(0);
        expect(line[b] === undefined || line[b] === ' ', line).toBe(true);
        expect(a === 0 || line[a - 1] === ' ', line).toBe(true);
      }
    }
    // The photon energy from each run file; 4 decimals in the column that asks for them.
    for (const line of lines.slice(2)) expect(line).toMatch(/ 10000 /);
    for (const line of lines.slice(2)) expect(line).toMatch(/ -?\d+\.\d{4}$/);
  });

  test('--csv parses back to the numbers, in full precision', () => {
    const r = sacla('table', '--results', results, '--columns', columnFile, '--csv', '--runs', '4-5');
    expect(r.status, r.stderr).toBe(0);
    expect(r.stdout.endsWith('\r\n')).toBe(true);
    const [header, ...rows] = parseCsv(r.stdout);
    expect(header.slice(0, 5)).toEqual(['run', 'start (UTC)', 'good', 'shots', 'photon_energy (eV)']);
    expect(header.slice(-3)).toEqual(['signal (eV/px)', 'ratio', 'side, "quoted" (mm)']);
    expect(rows.map((row) => Number(row[0]))).toEqual([4, 5]);
    for (const row of rows) {
      const run = Number(row[0]);
      const get = (h: string) => Number(row[header.indexOf(h)]);
      expect(get('sampleZ1')).toBe(median(finite(data(run, 'sampleZ1'))));
      close(get('ratio'), sum(data(run, 'side_total')) / sum(data(run, 'diode')), 1e-15);
      close(get('signal (eV/px)'), mean(finite(rect(data(run, 'side_mean'), 70, 16, 48, 0, 24))), 1e-15);
      expect(get('photon_energy (eV)')).toBe(10000);
    }
  });

  test('--json, --run as --runs, lists of runs, --sort', async () => {
    const r = sacla('table', results, '--json', '--run', '3,5-6', '--sort', 'diode', '--desc');
    expect(r.status, r.stderr).toBe(0);
    const rows = r.stdout.trim().split('\n').map((l) => JSON.parse(l));
    expect(rows.map((row) => row.run).sort()).toEqual([3, 5, 6]);
    expect(rows.map((row) => row.diode)).toEqual(rows.map((row) => row.diode).sort((a: number, b: number) => b - a));
    // Read back with h5wasm: the default value columns are nanmedians over the good shots.
    for (const row of rows) {
      const file = await openResult(join(results, `run_${row.run}.h5`));
      try {
        expect(row.diode).toBe(median(finite(Array.from(file.read('diode').data as ArrayLike<number>))));
        expect(row.shots).toBe(40);
      } finally {
        file.close();
      }
    }
    const both = sacla('table', results, '--run', '3', '--runs', '4');
    expect(both.status).toBe(2);
    expect(both.stderr).toMatch(/--run 3 and --runs 4: give one of them/);
    expect(sacla('results', results, '--run', '4-5', '--json').stdout.trim().split('\n').map((l) => JSON.parse(l).run)).toEqual([4, 5]);
  });

  test('mistakes: the column file path, the expression position; exit code 2', () => {
    const bad = join(dir, 'bad.json');
    writeFileSync(bad, JSON.stringify({ columns: [{ name: 'x', expr: 'mean(roi(side_mean, 16, 48, 0 24))' }, { name: 'y' }] }));
    let r = sacla('table', '--results', results, '--columns', bad);
    expect(r.status).toBe(2);
    expect(r.stderr).toContain(`sacla: ${bad}: columns[0].expr: expected a valid expression, got "mean(roi(side_mean, 16, 48, 0 24))" (column 31: expected "," or ")" in the arguments of roi, got "24")`);
    expect(r.stderr).toContain(`${bad}: columns[1].expr: expected an expression (a string)`);
    const missing = join(dir, 'missing.json');
    writeFileSync(missing, JSON.stringify({ columns: [{ name: 'x', expr: 'nanmedian(sampelZ1)' }] }));
    r = sacla('table', '--results', results, '--columns', missing);
    expect(r.status).toBe(2);
    expect(r.stderr).toMatch(/column x, in every run: "nanmedian\(sampelZ1\)", column 11: no dataset "sampelZ1" in run 3 \(did you mean "sampleZ1"\?\)/);
    expect(r.stderr).toMatch(/\n {2}nanmedian\(sampelZ1\)\n {12}\^/);
    r = sacla('table', '--results', results, '--sort', 'signal');
    expect(r.status).toBe(2);
    expect(r.stderr).toMatch(/--sort: no column "signal"/);
    r = sacla('table', '--results', results, '--csv', '--json');
    expect(r.status).toBe(2);
    r = sacla('table', '--results', join(dir, 'nowhere'));
    expect(r.status).toBe(1);
    expect(r.stderr).toMatch(/no such folder/);
  });
});
