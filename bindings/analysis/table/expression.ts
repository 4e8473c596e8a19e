// Per-run expressions over the datasets of a result file (docs/table.md): the logbook table's
// columns and the scan's axes. Portable (no Node imports): the web app's worker evaluates the
// same expressions on the result files it has open.
import { ConfigError } from '../../core/errors.js';

// ---------------------------------------------------------------------------------------------
// What an expression reads

/** A dataset as read from a result file (h5wasm gives typed arrays, bigint ones for int64). */
export interface DatasetLike {
  /** A typed array (bigint ones for int64), a plain number, or a string (then it is no number). */
  data: unknown;
  shape?: number[] | null;
}

/** One result file as expressions see it (a `ResultFile` is one). */
export interface ResultSource {
  readonly run: number;
  readonly path?: string;
  readonly names: readonly string[];
  readonly attrs: Record<string, unknown>;
  read(name: string): DatasetLike;
  /** A dataset's unit (its `units` attribute), when the file has one. */
  units?(name: string): string | null | undefined;
  /** The run's nominal photon energy (eV), when known from outside the file (the run file). */
  readonly photonEnergy?: number | null;
}

/** An array value: row-major data and its shape. */
export interface ArrayValue {
  data: Float64Array;
  shape: number[];
}

/** What an expression (or a part of it) evaluates to. */
export type Value = number | ArrayValue;

// ---------------------------------------------------------------------------------------------
// Errors

/**
 * A mistake in an expression, or one found while evaluating it on a run: the message names the
 * column (1-based) and repeats the expression with a caret under the place.
 */
export class ExpressionError extends ConfigError {
  constructor(
    readonly expression: string,
    /** 0-based offset of the mistake in the expression. */
    readonly position: number,
    readonly reason: string,
    /** What the expression is (`cols.json: column signal: `, `--x: `), before the message. */
    readonly context = '',
  ) {
    super(`${context}${JSON.stringify(expression)}, column ${position + 1}: ${reason}\n  ${expression}\n  ${' '.repeat(position)}^`);
  }

  /** The same error, said of a named expression. */
  withContext(context: string): ExpressionError {
    return new ExpressionError(this.expression, this.position, this.reason, context);
  }
}

// ---------------------------------------------------------------------------------------------
// Syntax tree

export type Node =
  | { kind: 'number'; value: number; pos: number }
  | { kind: 'name'; name: string; pos: number }
  | { kind: 'unary'; op: '-' | '+'; arg: Node; pos: number }
  | { kind: 'binary'; op: '+' | '-' | '*' | '/' | '^'; left: Node; right: Node; pos: number }
  | { kind: 'call'; fn: string; args: Node[]; pos: number };

type Token =
  | { t: 'num'; value: number; pos: number; text: string }
  | { t: 'name'; name: string; pos: number; text: string }
  | { t: 'op'; op: string; pos: number; text: string }
  | { t: 'end'; pos: number; text: string };

// Typographic operators as written in docs and papers are accepted too.
const OPERATOR_ALIASES: Record<string, string> = { '−': '-', '×': '*', '·': '*', '**': '^' };

function tokenize(text: string): Token[] {
  const tokens: Token[] = [];
  let i = 0;
  while (i < text.length) {
    const ch = text[i];
    if (/\s/.test(ch)) {
      i++;
      continue;
    }
    const num = /^(?:\d+\.?\d*|\.\d+)(?:[eE][+-]?\d+)?/.exec(text.slice(i));
    if (num) {
      if (/^[A-Za-z_]/.test(text.slice(i + num[0].length))) {
        throw new ExpressionError(text, i + num[0].length, `a number followed by a name ("${text.slice(i).split(/[\s()+\-*/^,]/)[0]}"): names start with a letter or _`);
      }
      tokens.push({ t: 'num', value: Number(num[0]), pos: i, text: num[0] });
      i += num[0].length;
      continue;
    }
    const name = /^[A-Za-z_][A-Za-z0-9_]*/.exec(text.slice(i));
    if (name) {
      tokens.push({ t: 'name', name: name[0], pos: i, text: name[0] });
      i += name[0].length;
      continue;
    }
    if (ch === '`') {
      // Any dataset name, even one that is no identifier: `odd-name`.
      const close = text.indexOf('`', i + 1);
      if (close < 0) throw new ExpressionError(text, i, 'a closing ` after the quoted name');
      if (close === i + 1) throw new ExpressionError(text, i, 'a name between the backquotes');
      tokens.push({ t: 'name', name: text.slice(i + 1, close), pos: i, text: text.slice(i, close + 1) });
      i = close + 1;
      continue;
    }
    if (text.startsWith('**', i)) {
      tokens.push({ t: 'op', op: '^', pos: i, text: '**' });
      i += 2;
      continue;
    }
    const op = OPERATOR_ALIASES[ch] ?? ch;
    if ('+-*/^(),'.includes(op)) {
      tokens.push({ t: 'op', op, pos: i, text: ch });
      i++;
      continue;
    }
    throw new ExpressionError(text, i, `unexpected "${ch}" (an expression has numbers, dataset names, + - * / ^, parentheses and functions)`);
  }
  tokens.push({ t: 'end', pos: text.length, text: '' });
  return tokens;
}

function describeToken(tok: Token): string {
  return tok.t === 'end' ? 'the end' : `"${tok.text}"`;
}

// Recursive descent, one function per precedence level (docs/table.md has the grammar).
function parse(text: string): Node {
  const tokens = tokenize(text);
  let k = 0;
  const peek = () => tokens[k];
  const isOp = (op: string) => {
    const tok = tokens[k];
    return tok.t === 'op' && tok.op === op;
  };
  const expect = (op: string, what: string) => {
    if (!isOp(op)) throw new ExpressionError(text, peek().pos, `expected ${what}, got ${describeToken(peek())}`);
    k++;
  };

  const sum = (): Node => {
    let left = product();
    while (isOp('+') || isOp('-')) {
      const tok = tokens[k++] as Token & { op: '+' | '-' };
      left = { kind: 'binary', op: tok.op, left, right: product(), pos: tok.pos };
    }
    return left;
  };
  const product = (): Node => {
    let left = unary();
    while (isOp('*') || isOp('/')) {
      const tok = tokens[k++] as Token & { op: '*' | '/' };
      left = { kind: 'binary', op: tok.op, left, right: unary(), pos: tok.pos };
    }
    return left;
  };
  const unary = (): Node => {
    if (isOp('-') || isOp('+')) {
      const tok = tokens[k++] as Token & { op: '-' | '+' };
      return { kind: 'unary', op: tok.op, arg: unary(), pos: tok.pos };
    }
    return power();
  };
  // Right-associative and above the unary minus, as in Python: -2^2 = -4, 2^-1 = 0.5.
  const power = (): Node => {
    const base = atom();
    if (isOp('^')) {
      const tok = tokens[k++];
      return { kind: 'binary', op: '^', left: base, right: unary(), pos: tok.pos };
    }
    return base;
  };
  const atom = (): Node => {
    const tok = peek();
    if (tok.t === 'num') {
      k++;
      return { kind: 'number', value: tok.value, pos: tok.pos };
    }
    if (tok.t === 'name') {
      k++;
      if (isOp('(')) {
        k++;
        const fn = FUNCTIONS[tok.name];
        if (!fn) {
          throw new ExpressionError(text, tok.pos, `unknown function "${tok.name}"${didYouMean(tok.name, Object.keys(FUNCTIONS))}; functions: ${Object.keys(FUNCTIONS).join(', ')}`);
        }
        const args: Node[] = [];
        if (!isOp(')')) {
          for (;;) {
            args.push(sum());
            if (isOp(',')) {
              k++;
              continue;
            }
            break;
          }
        }
        expect(')', `"," or ")" in the arguments of ${tok.name}`);
        const call: Node = { kind: 'call', fn: tok.name, args, pos: tok.pos };
        checkCall(text, call, fn);
        return call;
      }
      return { kind: 'name', name: tok.name, pos: tok.pos };
    }
    if (isOp('(')) {
      k++;
      const inner = sum();
      expect(')', 'a closing ")"');
      return inner;
    }
    throw new ExpressionError(text, tok.pos, `expected a number, a dataset name, a function or "(", got ${describeToken(tok)}`);
  };

  if (peek().t === 'end') throw new ExpressionError(text, 0, 'an expression, got nothing');
  const tree = sum();
  if (peek().t !== 'end') {
    const tok = peek();
    throw new ExpressionError(text, tok.pos, `expected an operator or the end, got ${describeToken(tok)}`);
  }
  return tree;
}

// ---------------------------------------------------------------------------------------------
// Functions

interface FunctionDef {
  /** The arguments as the docs and errors name them. */
  signature: string;
  arity: number;
  doc: string;
  /** Unit of the result from the units of the arguments (undefined: unknown). */
  unit: (args: (UnitValue | undefined)[]) => UnitValue | undefined;
}

const SAME = (args: (UnitValue | undefined)[]) => (args[0] === ANY ? ANY : args[0]);
const NONE = () => '';

/** Reductions of a flattened array, by NumPy's definitions (the nan… ones leave NaN out). */
const reductions: Record<string, { doc: string; fn: (v: Float64Array) => number; unit?: FunctionDef['unit'] }> = {
  mean: { doc: 'mean (NaN if any value is NaN, as numpy.mean)', fn: (v) => (v.length ? sumOf(v) / v.length : NaN) },
  median: { doc: 'median (numpy.median: NaN if any NaN)', fn: (v) => quantile(v, 0.5, false) },
  sum: { doc: 'sum (numpy.sum)', fn: sumOf },
  min: { doc: 'smallest value (NaN if any NaN, as numpy.min)', fn: (v) => extreme(v, false, false) },
  max: { doc: 'largest value (NaN if any NaN)', fn: (v) => extreme(v, true, false) },
  std: { doc: 'standard deviation, ddof 0 (numpy.std)', fn: (v) => std(v, false) },
  first: { doc: 'first value (of the flattened array)', fn: (v) => (v.length ? v[0] : NaN) },
  last: { doc: 'last value', fn: (v) => (v.length ? v[v.length - 1] : NaN) },
  count: { doc: 'number of values that are not NaN', fn: (v) => v.reduce((n, x) => (Number.isNaN(x) ? n : n + 1), 0), unit: NONE },
  size: { doc: 'number of values, NaN included', fn: (v) => v.length, unit: NONE },
  nanmean: { doc: 'mean of the values that are not NaN (numpy.nanmean)', fn: (v) => { const f = notNaN(v); return f.length ? sumOf(f) / f.length : NaN; } },
  nanmedian: { doc: 'median of the values that are not NaN', fn: (v) => quantile(notNaN(v), 0.5, false) },
  nansum: { doc: 'sum of the values that are not NaN (0 if none)', fn: (v) => sumOf(notNaN(v)) },
  nanmin: { doc: 'smallest value that is not NaN', fn: (v) => extreme(v, false, true) },
  nanmax: { doc: 'largest value that is not NaN', fn: (v) => extreme(v, true, true) },
  nanstd: { doc: 'standard deviation of the values that are not NaN', fn: (v) => std(v, true) },
};

const elementwise: Record<string, { doc: string; fn: (x: number) => number; unit: FunctionDef['unit'] }> = {
  abs: { doc: 'absolute value', fn: Math.abs, unit: SAME },
  sqrt: { doc: 'square root', fn: Math.sqrt, unit: ([a]) => (a === '' || a === ANY ? a : a === undefined ? undefined : `(${a})^0.5`) },
  exp: { doc: 'e to the power', fn: Math.exp, unit: ([a]) => (a === '' || a === ANY ? '' : undefined) },
  log: { doc: 'natural logarithm', fn: Math.log, unit: ([a]) => (a === '' || a === ANY ? '' : undefined) },
  log10: { doc: 'decimal logarithm', fn: Math.log10, unit: ([a]) => (a === '' || a === ANY ? '' : undefined) },
};

const PROPAGATING = new Set(['mean', 'median', 'sum', 'min', 'max', 'std', 'percentile']);

export const FUNCTIONS: Record<string, FunctionDef> = {
  ...Object.fromEntries(Object.entries(reductions).map(([name, r]) => [name, { signature: `${name}(x)`, arity: 1, doc: r.doc, unit: r.unit ?? SAME }])),
  percentile: { signature: 'percentile(x, q)', arity: 2, doc: 'q-th percentile, 0 ≤ q ≤ 100, linear interpolation (numpy.percentile)', unit: SAME },
  nanpercentile: { signature: 'nanpercentile(x, q)', arity: 2, doc: 'percentile of the values that are not NaN', unit: SAME },
  ...Object.fromEntries(Object.entries(elementwise).map(([name, e]) => [name, { signature: `${name}(x)`, arity: 1, doc: `${e.doc}, elementwise`, unit: e.unit }])),
  roi: {
    signature: 'roi(image, r0, r1, c0, c1)',
    arity: 5,
    doc: 'rows r0 ≤ r < r1, columns c0 ≤ c < c1 of a 2-D dataset (of each sensor of a 3-D stack)',
    unit: SAME,
  },
  attr: { signature: 'attr(name)', arity: 1, doc: 'a numeric root attribute of the result file, e.g. attr(good_shots)', unit: () => undefined },
};

function checkCall(text: string, call: Extract<Node, { kind: 'call' }>, fn: FunctionDef): void {
  if (call.args.length !== fn.arity) {
    throw new ExpressionError(text, call.pos, `${call.fn} takes ${fn.arity} argument${fn.arity === 1 ? '' : 's'}: ${fn.signature}, got ${call.args.length}`);
  }
  if (call.fn === 'attr' && call.args[0].kind !== 'name') {
    throw new ExpressionError(text, call.args[0].pos, 'attr takes the name of a root attribute, e.g. attr(good_shots)');
  }
}

function sumOf(v: ArrayLike<number>): number {
  let s = 0;
  for (let i = 0; i < v.length; i++) s += v[i];
  return s;
}

function notNaN(v: Float64Array): Float64Array {
  return v.filter((x) => !Number.isNaN(x));
}

function extreme(v: Float64Array, max: boolean, skipNaN: boolean): number {
  let best = NaN;
  for (let i = 0; i < v.length; i++) {
    const x = v[i];
    if (Number.isNaN(x)) {
      if (skipNaN) continue;
      return NaN;
    }
    if (Number.isNaN(best) || (max ? x > best : x < best)) best = x;
  }
  return best;
}

function std(v: Float64Array, skipNaN: boolean): number {
  const f = skipNaN ? notNaN(v) : v;
  if (!f.length) return NaN;
  const m = sumOf(f) / f.length;
  let s = 0;
  for (let i = 0; i < f.length; i++) s += (f[i] - m) ** 2;
  return Math.sqrt(s / f.length);
}

/** numpy.percentile's default ("linear") quantile, q in [0, 1]; NaN if any NaN unless skipped before. */
function quantile(v: Float64Array, q: number, skipNaN: boolean): number {
  const f = Float64Array.from(skipNaN ? notNaN(v) : v).sort();
  const n = f.length;
  if (n === 0 || Number.isNaN(f[n - 1])) return NaN;
  const h = (n - 1) * q;
  const lo = Math.floor(h);
  const hi = Math.min(lo + 1, n - 1);
  // NumPy's form (exact at the ends and for equal neighbours).
  return f[lo] + (h - lo) * (f[hi] - f[lo]);
}

// ---------------------------------------------------------------------------------------------
// Units (only as good as the units the result files carry; inert until they do)

/** A unit: '' is dimensionless; ANY is a bare number, which takes the unit of what it meets. */
type UnitValue = string;
const ANY = '\u0000any';

function combineUnits(op: string, a: UnitValue | undefined, b: UnitValue | undefined, right?: Node): UnitValue | undefined {
  if (op === '+' || op === '-') {
    if (a === ANY) return b;
    if (b === ANY || a === b) return a;
    return undefined;
  }
  if (op === '^') {
    if (a === '' || a === ANY) return a;
    if (a === undefined || right?.kind !== 'number') return undefined;
    return right.value === 1 ? a : `${wrap(a)}^${right.value}`;
  }
  if (a === undefined || b === undefined) return undefined;
  if (op === '*') {
    if (a === ANY || a === '') return b;
    if (b === ANY || b === '') return a;
    return `${wrap(a)}·${wrap(b)}`;
  }
  if (b === ANY || b === '') return a;
  if (a === b) return '';
  return `${a === ANY || a === '' ? '1' : wrap(a)}/${wrap(b)}`;
}

const wrap = (u: string) => (/^[\p{L}\p{N}µ°%_]+$/u.test(u) ? u : `(${u})`);

// ---------------------------------------------------------------------------------------------
// Evaluation

function toFloat64(d: DatasetLike, what: string, fail: (reason: string) => never): Value {
  const data = d.data as unknown;
  const shape = d.shape ?? [];
  if (typeof data === 'number') return data;
  if (typeof data === 'bigint') return Number(data);
  if (typeof data === 'boolean') return data ? 1 : 0;
  if (typeof data === 'string') return fail(`${what} holds text, not numbers`);
  if (data && typeof data === 'object' && 'length' in data) {
    const arr = data as ArrayLike<number | bigint>;
    const out = data instanceof Float64Array ? data : Float64Array.from({ length: arr.length }, (_, i) => Number(arr[i]));
    if (shape.length === 0 && out.length === 1) return out[0];
    return { data: out, shape: shape.length ? shape : [out.length] };
  }
  return fail(`${what} is not a numeric dataset`);
}

function attrValue(v: unknown): number | null {
  if (typeof v === 'number') return v;
  if (typeof v === 'bigint') return Number(v);
  if (typeof v === 'boolean') return v ? 1 : 0;
  if (ArrayBuffer.isView(v) && (v as unknown as ArrayLike<number>).length === 1) return Number((v as unknown as ArrayLike<number>)[0]);
  if (Array.isArray(v) && v.length === 1 && typeof v[0] === 'number') return v[0];
  return null;
}

const shapeText = (s: number[]) => `[${s.join(', ')}]`;

/** A parsed expression: evaluate it on result files, ask which datasets it reads. */
export class Expression {
  readonly text: string;
  readonly tree: Node;

  constructor(text: string) {
    this.text = text;
    this.tree = parse(text);
  }

  /** Whether a reduction in it gives NaN for a NaN among its values (mean, median, …; not nanmean, …). */
  get propagatesNaN(): boolean {
    const walk = (n: Node): boolean =>
      n.kind === 'unary' ? walk(n.arg)
      : n.kind === 'binary' ? walk(n.left) || walk(n.right)
      : n.kind === 'call' ? PROPAGATING.has(n.fn) || n.args.some(walk)
      : false;
    return walk(this.tree);
  }

  /** The datasets the expression reads (attr(...) arguments excluded). */
  get datasets(): string[] {
    const out = new Set<string>();
    const walk = (n: Node) => {
      if (n.kind === 'name') out.add(n.name);
      else if (n.kind === 'unary') walk(n.arg);
      else if (n.kind === 'binary') {
        walk(n.left);
        walk(n.right);
      } else if (n.kind === 'call' && n.fn !== 'attr') n.args.forEach(walk);
    };
    walk(this.tree);
    return [...out];
  }

  /**
   * The value on one result file: a number. An array result (e.g. `side_total / diode`) is an
   * error unless it has one element: a column needs one number per run.
   */
  evaluate(source: ResultSource): number {
    const v = this.value(source);
    if (typeof v === 'number') return v;
    if (v.data.length === 1) return v.data[0];
    throw new ExpressionError(
      this.text,
      0,
      `gives ${v.data.length} values (shape ${shapeText(v.shape)}) for run ${source.run}: reduce them to one number with mean(…), median(…), sum(…), …`,
    );
  }

  /** The value on one result file: a number or an array. */
  value(source: ResultSource): Value {
    const fail = (pos: number, reason: string): never => {
      throw new ExpressionError(this.text, pos, reason);
    };
    const cache = new Map<string, Value>();
    const read = (name: string, pos: number): Value => {
      let v = cache.get(name);
      if (v === undefined) {
        if (!source.names.includes(name)) {
          fail(pos, `no dataset "${name}" in run ${source.run}${didYouMean(name, source.names)}; datasets: ${source.names.join(', ')}`);
        }
        v = toFloat64(source.read(name), `dataset "${name}"`, (r) => fail(pos, r));
        cache.set(name, v);
      }
      return v;
    };
    const ev = (n: Node): Value => {
      switch (n.kind) {
        case 'number':
          return n.value;
        case 'name':
          return read(n.name, n.pos);
        case 'unary': {
          const a = ev(n.arg);
          return n.op === '-' ? map(a, (x) => -x) : a;
        }
        case 'binary':
          return binary(n.op, ev(n.left), ev(n.right), (reason) => fail(n.pos, reason));
        case 'call':
          return call(n);
      }
    };
    const scalar = (n: Node, what: string): number => {
      const v = ev(n);
      if (typeof v === 'number') return v;
      if (v.data.length === 1) return v.data[0];
      return fail(n.pos, `${what} must be one number, got an array of shape ${shapeText(v.shape)}`);
    };
    const call = (n: Extract<Node, { kind: 'call' }>): Value => {
      if (n.fn === 'attr') {
        const name = (n.args[0] as Extract<Node, { kind: 'name' }>).name;
        if (!(name in source.attrs)) {
          const numeric = Object.keys(source.attrs).filter((k) => attrValue(source.attrs[k]) !== null);
          fail(n.args[0].pos, `no attribute "${name}" in run ${source.run}${didYouMean(name, Object.keys(source.attrs))}; numeric attributes: ${numeric.join(', ')}`);
        }
        const v = attrValue(source.attrs[name]);
        if (v === null) return fail(n.args[0].pos, `attribute "${name}" of run ${source.run} is not a number (${typeof source.attrs[name]})`);
        return v;
      }
      if (n.fn === 'roi') {
        const image = ev(n.args[0]);
        const [r0, r1, c0, c1] = n.args.slice(1).map((a, i) => {
          const v = scalar(a, ['r0', 'r1', 'c0', 'c1'][i]);
          if (!Number.isInteger(v) || v < 0) fail(a.pos, `${['r0', 'r1', 'c0', 'c1'][i]} must be an integer ≥ 0, got ${v}`);
          return v;
        });
        if (typeof image === 'number' || image.shape.length < 2 || image.shape.length > 3) {
          return fail(n.args[0].pos, `roi needs a 2-D image or a 3-D stack of sensors, got ${typeof image === 'number' ? 'one number' : `shape ${shapeText(image.shape)}`}`);
        }
        const [rows, cols] = image.shape.slice(-2);
        if (!(r0 < r1 && r1 <= rows)) fail(n.args[1].pos, `rows ${r0}–${r1} (end exclusive) are not inside the ${rows} rows of ${shapeText(image.shape)}`);
        if (!(c0 < c1 && c1 <= cols)) fail(n.args[3].pos, `columns ${c0}–${c1} (end exclusive) are not inside the ${cols} columns of ${shapeText(image.shape)}`);
        const planes = image.shape.length === 3 ? image.shape[0] : 1;
        const out = new Float64Array(planes * (r1 - r0) * (c1 - c0));
        let k = 0;
        for (let p = 0; p < planes; p++) {
          for (let r = r0; r < r1; r++) for (let c = c0; c < c1; c++) out[k++] = image.data[(p * rows + r) * cols + c];
        }
        return { data: out, shape: image.shape.length === 3 ? [planes, r1 - r0, c1 - c0] : [r1 - r0, c1 - c0] };
      }
      if (n.fn === 'percentile' || n.fn === 'nanpercentile') {
        const v = ev(n.args[0]);
        const q = scalar(n.args[1], 'q');
        if (!(q >= 0 && q <= 100)) fail(n.args[1].pos, `q must lie in 0…100, got ${q}`);
        return quantile(typeof v === 'number' ? Float64Array.of(v) : v.data, q / 100, n.fn === 'nanpercentile');
      }
      const r = reductions[n.fn];
      if (r) {
        const v = ev(n.args[0]);
        return r.fn(typeof v === 'number' ? Float64Array.of(v) : v.data);
      }
      return map(ev(n.args[0]), elementwise[n.fn].fn);
    };
    return ev(this.tree);
  }

  /**
   * The unit of the result from the units of the datasets (`unitOf`), or undefined when unknown
   * (a dataset without a unit, or a sum of different units). '' is dimensionless.
   */
  unit(unitOf: (dataset: string) => string | null | undefined): string | undefined {
    const u = (n: Node): UnitValue | undefined => {
      switch (n.kind) {
        case 'number':
          return ANY;
        case 'name':
          return unitOf(n.name) ?? undefined;
        case 'unary':
          return u(n.arg);
        case 'binary':
          return combineUnits(n.op, u(n.left), u(n.right), n.right);
        case 'call':
          if (n.fn === 'attr') return undefined;
          return FUNCTIONS[n.fn].unit(n.args.map(u));
      }
    };
    const r = u(this.tree);
    return r === ANY ? '' : r;
  }
}

/** Parses an expression (throws an ExpressionError naming the place of a mistake). */
export function parseExpression(text: string): Expression {
  return new Expression(text);
}

function map(v: Value, f: (x: number) => number): Value {
  if (typeof v === 'number') return f(v);
  return { data: v.data.map(f), shape: v.shape };
}

function binary(op: string, a: Value, b: Value, fail: (reason: string) => never): Value {
  const f =
    op === '+' ? (x: number, y: number) => x + y
    : op === '-' ? (x: number, y: number) => x - y
    : op === '*' ? (x: number, y: number) => x * y
    : op === '/' ? (x: number, y: number) => x / y
    : (x: number, y: number) => x ** y;
  if (typeof a === 'number' && typeof b === 'number') return f(a, b);
  if (typeof a === 'number') return map(b, (y) => f(a, y));
  if (typeof b === 'number') return map(a, (x) => f(x, b));
  // Two arrays: elementwise when they hold the same number of elements in the same shape; a
  // one-element array acts as a number.
  if (b.data.length === 1) return map(a, (x) => f(x, b.data[0]));
  if (a.data.length === 1) return map(b, (y) => f(a.data[0], y));
  if (a.shape.join() !== b.shape.join()) {
    return fail(`"${op}" needs arrays of the same shape, got ${shapeText(a.shape)} and ${shapeText(b.shape)}`);
  }
  const out = new Float64Array(a.data.length);
  for (let i = 0; i < out.length; i++) out[i] = f(a.data[i], b.data[i]);
  return { data: out, shape: a.shape };
}

// ---------------------------------------------------------------------------------------------
// "Did you mean"

function editDistance(a: string, b: string): number {
  const d = Array.from({ length: b.length + 1 }, (_, j) => j);
  for (let i = 1; i <= a.length; i++) {
    let prev = d[0];
    d[0] = i;
    for (let j = 1; j <= b.length; j++) {
      const t = d[j];
      d[j] = Math.min(d[j] + 1, d[j - 1] + 1, prev + (a[i - 1] === b[j - 1] ? 0 : 1));
      prev = t;
    }
  }
  return d[b.length];
}

/** ` (did you mean "x"?)` for a close candidate, else ''. */
export function didYouMean(name: string, candidates: readonly string[]): string {
  let best = '';
  let bestD = Infinity;
  for (const c of candidates) {
    // Ties go to a name that starts like the one asked for (sampleZ → sampleZ1, not sampleY).
    const dist = editDistance(name.toLowerCase(), c.toLowerCase()) - (c.toLowerCase().startsWith(name.toLowerCase()) ? 0.5 : 0);
    if (dist < bestD) {
      best = c;
      bestD = dist;
    }
  }
  return best && best !== name && bestD <= Math.max(2, Math.floor(Math.min(name.length, best.length) / 3)) ? ` (did you mean "${best}"?)` : '';
}
