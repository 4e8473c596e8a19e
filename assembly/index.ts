// The one kernel module. Each family lives in its own file; the TypeScript side
// (bindings/) does shapes and validation, kernels take pointers, lengths and scalars.
export * from './memory';
export * from './accumulate';
export * from './quantile';
export * from './histogram';
export * from './radial';
export * from './image';
export * from './geometry';
