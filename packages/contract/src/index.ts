export * from './alerting.js';
export * from './analytics.js';
export * from './control.js';
export * from './openapi.js';
export * from './pricing.js';
export * from './primitives.js';
export * from './routes.js';
export * from './usage.js';
