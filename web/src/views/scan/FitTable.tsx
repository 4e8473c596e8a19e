// A fit's parameters as `sacla scan` prints them: value ± one sigma (to the uncertainty's second
// significant digit), unit, fixed or derived; the model, degrees of freedom, reduced χ² and the
// iterations; and, in plain sight, why a fit is degenerate or did not converge.
import { formatWithError, modelFormula, type FitResult } from '../../fit.js';
import { fmt } from '../../plots/format.js';

const SYMBOL: Record<string, string> = { sigma: 'σ', tau: 'τ', fwhm: 'FWHM' };

export function FitTable({ fit, units }: { fit: FitResult; units: Record<string, string> }) {
  const bad = fit.degenerate || !fit.converged;
  return (
    <div className={`fit${bad ? ' bad' : ''}`} data-testid="fit-result" data-degenerate={fit.degenerate} data-converged={fit.converged}>
      <p className="formula">
        fit {fit.model}: y = {modelFormula(fit.model)}
      </p>
      {bad && (
        <div className="fit-warning" role="alert" data-testid="fit-warning">
          <strong>{fit.degenerate ? 'Degenerate fit' : 'The fit did not converge'}</strong>: {fit.warnings.join('; ') || 'see the parameters'}. Do not trust these numbers.
        </div>
      )}
      <table className="fit">
        <thead>
          <tr>
            <th>parameter</th>
            <th>value ± 1σ</th>
            <th>unit</th>
            <th />
          </tr>
        </thead>
        <tbody>
          {fit.parameters.map((p) => (
            <tr key={p.name}>
              <th>{SYMBOL[p.name] ?? p.name}</th>
              <td data-param={p.name} data-value={String(p.value)} data-error={String(p.error)}>
                {p.fixed && !p.derived ? fmt(p.value, 6) : formatWithError(p.value, p.error)}
              </td>
              <td>{units[p.name] ?? ''}</td>
              <td className="muted">{p.fixed && !p.derived ? 'fixed' : p.derived ? 'derived' : ''}</td>
            </tr>
          ))}
        </tbody>
      </table>
      <p className="muted">
        {fit.n} points, {fit.dof} degrees of freedom, reduced χ² {fmt(fit.redchi2)} (the uncertainties are scaled by it), {fit.converged ? `converged in ${fit.iterations} iterations` : `not converged after ${fit.iterations} iterations`}
        {!bad && fit.warnings.length > 0 ? `; ${fit.warnings.join('; ')}` : ''}
      </p>
    </div>
  );
}
