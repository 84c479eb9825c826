export * from './analytics.js';
export * from './benchmarks.js';
export * from './control-policy.js';
export * from './errors.js';
export * from './estimate.js';
export * from './export-format.js';
export * from './forecast.js';
export * from './money.js';
export * from './patterns.js';
export * from './periods.js';
// Names exported by two modules: the barrel picks one explicitly.
export { parseInstant } from './periods.js';
export type { TokenUsage } from './pricing/index.js';
export * from './pricing/index.js';
export * from './recommendations.js';
export * from './thresholds.js';
