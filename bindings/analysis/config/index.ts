// Experiment configs (docs/config.md): their types, validation, loading from files, hash.
export * from './types.js';
export { validateConfig } from './validate.js';
export { loadConfig, resolvePaths, maskFiles, defaultConfigPath } from './load.js';
export { configHash } from './hash.js';
export { constantValue } from './constants.js';
export { toRunOptions } from './runOptions.js';
export { chainType, sinkType, sourceKind, typeChain } from './chain.js';
