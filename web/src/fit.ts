// The scan view's Gaussian fit now lives in the library (bindings/analysis/table/fit.ts), shared
// with `sacla scan`; this re-export keeps the web app's imports working until its views move.
export { fitGaussian, gaussian, guess, type GaussParams, type GaussFitOptions as FitOptions, type GaussFitResult as FitResult } from '../../bindings/analysis/table/fit.js';
