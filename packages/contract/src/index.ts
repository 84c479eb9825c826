export * from './analytics.js';
export * from './openapi.js';
export * from './pricing.js';
export * from './primitives.js';
export * from './routes.js';
export * from './usage.js';
