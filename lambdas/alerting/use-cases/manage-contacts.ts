import type { AlertingConfigRequest } from '@cost-management/contract';
import { ValidationError } from '@cost-management/core';
import { NotFoundError } from '../../platform/errors.js';
import type { AlertingConfig, AlertingConfigStore } from '../ports/alerting-store.js';

export interface ContactDeps {
  alerting: AlertingConfigStore;
  /** Webhooks to http are allowed only where the environment says so (local runtime). */
  allowHttpWebhooks: boolean;
}

export async function putAlertingConfig(
  deps: ContactDeps,
  tenantId: string,
  userId: string,
  input: AlertingConfigRequest,
  now: Date,
): Promise<AlertingConfig> {
  if (input.webhookUrl && !deps.allowHttpWebhooks && new URL(input.webhookUrl).protocol !== 'https:') {
    throw new ValidationError('The webhook must use https.', [
      { path: 'webhookUrl', message: 'must be an https URL' },
    ]);
  }
  const config: AlertingConfig = {
    userId,
    ...Object.fromEntries(Object.entries(input).filter(([, v]) => v !== undefined)),
    updatedAt: now.toISOString(),
  };
  await deps.alerting.put(tenantId, config);
  return config;
}

export async function getAlertingConfig(
  deps: Pick<ContactDeps, 'alerting'>,
  tenantId: string,
  userId: string,
): Promise<AlertingConfig> {
  const config = await deps.alerting.get(tenantId, userId);
  if (!config) throw new NotFoundError(`No alerting configuration for user '${userId}'.`);
  return config;
}
