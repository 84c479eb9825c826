import type { ScheduledEvent } from 'aws-lambda';
import { loadEnvironment } from '../platform/function-spec.js';
import { syncPrices } from '../pricing/use-cases/sync-prices.js';
import { effectiveCatalog, priceSource, priceStore, priceSyncRuns } from '../pricing/wiring.js';
import { repriceWaitingUsage } from '../usage/use-cases/reprice-waiting.js';
import { repriceWaitingDeps } from './ingest-wiring.js';
import { spec } from './price-sync-environment.js';

const env = loadEnvironment(spec);
const catalogs = effectiveCatalog(env);
/** Waiting records repriced per tenant within the sync; the rest of a tenant's backlog goes to the background job. */
const PER_TENANT_RECORDS = 1000;
const reprice = repriceWaitingDeps(env, PER_TENANT_RECORDS);

/** EventBridge schedule target (daily): the price sync, then the repricing of waiting usage. */
export const handler = async (_event?: Partial<ScheduledEvent>) => {
  const run = await syncPrices(
    {
      source: priceSource(env),
      store: priceStore(env),
      runs: priceSyncRuns(env),
      forgetAll: catalogs.forgetAll,
      reprice: () => repriceWaitingUsage(reprice, new Date()),
    },
    new Date(),
  );
  return {
    origin: run.origin,
    added: run.added.length,
    newModels: run.newModels.length,
    differing: run.differing.length,
    repricing: run.repricing,
  };
};
