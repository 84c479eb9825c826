import { defineFunction } from '../platform/function-spec.js';

export const spec = defineFunction({
  name: 'threshold-backfill',
  description:
    "ThresholdBackfillRequested: adds the period's records written before a threshold in another zone than UTC started watching to its zone's period total, exactly once, and marks the threshold's period totals complete.",
  tables: {
    // The threshold, the user's other thresholds of the zone (gsi1), the completion mark.
    costThresholds: ['GetItem', 'Query', 'UpdateItem'],
    // The user's records of the period, by the user index.
    tokenUsage: ['Query'],
    // The zone period total: its backfill marker, and the conditional add.
    tokenAnalytics: ['GetItem', 'UpdateItem'],
  },
  // One pass over a user's records of one period.
  timeoutSeconds: 300,
  env: {},
});
