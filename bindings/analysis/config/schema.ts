// Zod building blocks for config schemas: leaves that carry their expectation as the message,
// objects through `strict` (unknown keys are mistakes, every field is checked) and `oneKey`
// ({ "<kind>": params }). The ops (analysis/ops) build their parameter schemas from these.
import * as z from 'zod';
import { didYouMean, isPlainObject, list, type PathSeg } from './issues.js';
import { count, MAX_LENGTH } from './limits.js';

export const E = (what: string) => ({ error: what });

/** Adds issues found by a nested parse to the current context, keeping their paths. */
export function forward(ctx: z.RefinementCtx, issues: readonly z.core.$ZodIssue[], prefix: PathSeg[] = []): void {
  for (const iss of issues) {
    const got = (iss as { params?: { got?: string } }).params?.got;
    ctx.addIssue({
      code: 'custom',
      message: iss.message,
      path: [...prefix, ...(iss.path as PathSeg[])],
      ...(got !== undefined ? { params: { got } } : {}),
    });
  }
}

export function issue(ctx: z.RefinementCtx, expected: string, path: PathSeg[] = [], got?: string): void {
  ctx.addIssue({ code: 'custom', message: expected, path, ...(got !== undefined ? { params: { got } } : {}) });
}

/** An object with exactly these keys (unknown keys are errors); every field is checked. */
export function strict<S extends z.ZodRawShape>(shape: S, what: string) {
  const inner = z.object(shape);
  const allowed = Object.keys(shape);
  return z.any().transform((v, ctx): z.output<typeof inner> => {
    if (!isPlainObject(v)) {
      issue(ctx, what);
      return z.NEVER;
    }
    let bad = false;
    for (const k of Object.keys(v)) {
      if (!allowed.includes(k)) {
        issue(ctx, `one of the keys ${list(allowed)}${didYouMean(k, allowed)}`, [k], 'an unknown key');
        bad = true;
      }
    }
    const r = inner.safeParse(v);
    if (!r.success) {
      forward(ctx, r.error.issues);
      return z.NEVER;
    }
    return bad ? z.NEVER : r.data;
  });
}

/** `{ "<kind>": params }` with exactly one known kind; returns it with its params parsed. */
export function oneKey<O extends Record<string, z.ZodType>>(options: O, what: string, whatOne: string) {
  const kinds = Object.keys(options);
  return z.any().transform((v, ctx): Record<string, unknown> => {
    if (!isPlainObject(v)) {
      issue(ctx, what);
      return z.NEVER;
    }
    const keys = Object.keys(v);
    const unknown = keys.filter((k) => !kinds.includes(k));
    for (const k of unknown) issue(ctx, `a ${whatOne} (${list(kinds)})${didYouMean(k, kinds)}`, [k], 'an unknown key');
    const known = keys.filter((k) => kinds.includes(k));
    if (known.length === 0) {
      if (!unknown.length) issue(ctx, what);
      return z.NEVER;
    }
    if (known.length > 1) {
      issue(ctx, `exactly one ${whatOne} per object`, [], `${known.join(' and ')} together`);
      return z.NEVER;
    }
    const kind = known[0];
    const r = options[kind].safeParse(v[kind]);
    if (!r.success) {
      forward(ctx, r.error.issues, [kind]);
      return z.NEVER;
    }
    if (unknown.length) return z.NEVER;
    return { [kind]: r.data };
  });
}

export const num = (what = 'a number') => z.number(E(what));
export const int = (what: string) => z.number(E(what)).int(E(what));
export const posInt = (what = 'a positive integer') => int(what).min(1, E(what));
/** The length of a 1-D result (histogram bins, an axis), capped at MAX_LENGTH. */
export const length = (what = `a positive integer ≤ ${count(MAX_LENGTH)}`) => posInt(what).max(MAX_LENGTH, E(what));
export const nonNegInt = (what = 'a non-negative integer') => int(what).min(0, E(what));
export const str = (what = 'a non-empty string') => z.string(E(what)).min(1, E(what));
export const nameRef = str('a name');

/** `[lo, hi]` of finite numbers with lo < hi (or lo ≤ hi when `allowEqual`). */
export function pair(what: string, element: z.ZodNumber, allowEqual = false) {
  return z.any().transform((v, ctx): [number, number] => {
    const r = z.tuple([element, element], E(what)).safeParse(v);
    if (!r.success) {
      // A wrong element type: report the whole pair with the expectation.
      issue(ctx, what);
      return z.NEVER;
    }
    const [a, b] = r.data;
    if (allowEqual ? a > b : a >= b) {
      issue(ctx, what);
      return z.NEVER;
    }
    return [a, b];
  });
}

export const nanMode = z.enum(['skip', 'propagate'], E('"skip" or "propagate"'));
