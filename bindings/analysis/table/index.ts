// The logbook table and the scans (docs/table.md): expressions over result files, the column
// file, the table, scans and their fits. Portable: no Node imports anywhere below.
export { Expression, ExpressionError, parseExpression, FUNCTIONS, type ResultSource, type DatasetLike, type Value, type ArrayValue } from './expression.js';
export { validateColumns, parseColumnFile, parseFormat, DEFAULT_COLUMN_NAMES, type ColumnSpec, type NumberFormat } from './columns.js';
export { RunTable, SortError, chooseFormat, formatNumber, formatColumn, formatWithError, plainNumber, csvField, alignedTable, type Column, type Cell, type TableRow, type TableOptions } from './table.js';
export { Scan, type ScanAxis, type ScanPoint, type ScanOptions, type ScanResult } from './scan.js';
export {
  fitModel,
  modelValue,
  modelParams,
  modelFormula,
  paramUnits,
  MODELS,
  fitGaussian,
  gaussian,
  guess,
  type ModelName,
  type FitOptions,
  type FitParameter,
  type FitResult,
  type GaussParams,
  type GaussFitOptions,
  type GaussFitResult,
} from './fit.js';
