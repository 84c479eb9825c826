import type { TableAction } from '../platform/function-spec.js';
import type { TableKey } from '../platform/tables.js';

/**
 * What the reactions after a recorded event need (threshold detection in the alerting context,
 * cost control in the control context): every function that records or reprices usage runs them,
 * so its spec grants these together with `putsEvents`. The tenant's settings give records,
 * breaches and control entries their expiry (retention).
 */
export const INGEST_REACTION_TABLES = {
  costThresholds: ['Query'],
  thresholdBreaches: ['PutItem'],
  autoControlConfig: ['GetItem', 'UpdateItem', 'DeleteItem'],
  controlActions: ['PutItem'],
  dataProtection: ['GetItem'],
} as const satisfies Partial<Record<TableKey, readonly TableAction[]>>;
