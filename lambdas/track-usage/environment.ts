import * as z from 'zod/mini';
import { defineFunction } from '../shared/function-spec.js';

export const spec = defineFunction({
  name: 'track-usage',
  description:
    'Records one model call: prices it and writes record, idempotency marker and aggregates atomically.',
  tables: {
    tokenUsage: ['PutItem', 'GetItem'],
    tokenAnalytics: ['UpdateItem', 'GetItem', 'BatchGetItem'],
    autoControlConfig: ['GetItem', 'UpdateItem', 'DeleteItem'],
    controlActions: ['PutItem'],
    costThresholds: ['Query'],
    thresholdBreaches: ['PutItem'],
  },
  putsEvents: true,
  env: {
    /** Set by the infrastructure (putsEvents); optional so the local runtime can use its in-process bus. */
    EVENT_BUS_NAME: z.optional(z.string().check(z.minLength(1))),
  },
});
