// The registry of a config's operations: every transform and every sink, each one file.
export { TRANSFORMS, makeStep, transformKind, transformOp, transformSchema, transformList, type TransformConfig, type TransformKind } from './transforms/index.js';
export { SINKS, makeSink, sinkKind, sinkOp, sinkSchema, type SinkConfig, type SinkKind } from './sinks/index.js';
export { payloadSchema, type PayloadConfig } from './sinks/topK.js';
export * from './types.js';
