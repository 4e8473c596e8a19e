/** Short number labels for axes, tables and read-outs. */
export function fmt(v: number, digits = 4): string {
  if (!Number.isFinite(v)) return String(v);
  if (v === 0) return '0';
  const a = Math.abs(v);
  if (a >= 1e5 || a < 1e-3) return v.toExponential(Math.max(0, digits - 1));
  return Number(v.toPrecision(digits)).toString();
}

/** A number with its uncertainty, both rounded to the uncertainty's second significant digit. */
export function fmtWithError(v: number, e: number): string {
  if (!Number.isFinite(e) || e <= 0) return `${fmt(v, 6)} ± ${Number.isFinite(e) ? '0' : 'n/a'}`;
  const exp = Math.floor(Math.log10(e)) - 1;
  if (Math.abs(v) >= 1e5 || Math.abs(v) < 1e-3 || e < 1e-3) {
    const p = Math.floor(Math.log10(Math.max(Math.abs(v), e)));
    const s = 10 ** p;
    const d = Math.max(0, p - exp);
    return `(${(v / s).toFixed(d)} ± ${(e / s).toFixed(d)})e${p}`;
  }
  const d = Math.max(0, -exp);
  return `${v.toFixed(d)} ± ${e.toFixed(d)}`;
}
