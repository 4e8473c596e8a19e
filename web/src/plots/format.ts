// Numbers as the plots' read-outs and captions show them.

/** Short: 4 significant digits, exponent form outside 1e-3 … 1e5. */
export function fmt(v: number, digits = 4): string {
  if (!Number.isFinite(v)) return String(v);
  if (v === 0) return '0';
  const a = Math.abs(v);
  if (a >= 1e5 || a < 1e-3) return v.toExponential(Math.max(0, digits - 1));
  return Number(v.toPrecision(digits)).toString();
}

/** An axis or colour-bar label: the quantity and its unit in parentheses, when known. */
export function withUnit(label: string, unit: string | null | undefined): string {
  return unit ? `${label} (${unit})` : label;
}

/**
 * An axis tick: plain decimals from 1e-3 to below 1e6 (9400 eV rather than 9.4e+3) with as few
 * digits as the value needs (up to 6 significant), whole numbers in full (a tag, 1304400050),
 * and the exponent form otherwise.
 */
export function tick(v: number | { valueOf(): number }): string {
  const x = Number(v);
  if (x === 0 || !Number.isFinite(x)) return String(x);
  const a = Math.abs(x);
  if (Number.isInteger(x) && a < 1e15) return String(x);
  if (a >= 1e6 || a < 1e-3) return x.toExponential(4).replace(/\.?0+e/, 'e');
  return String(Number(x.toPrecision(6)));
}
