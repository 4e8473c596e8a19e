// The scan view's fits are the library's (bindings/analysis/table/fit.ts, shared with
// `sacla scan`): the worker fits, the page draws the curve and writes the parameters.
export { fitModel, modelValue, modelParams, modelFormula, MODELS, type FitResult, type ModelName } from '../../bindings/analysis/table/fit.js';
export { formatWithError, csvField, plainNumber } from '../../bindings/analysis/table/table.js';
