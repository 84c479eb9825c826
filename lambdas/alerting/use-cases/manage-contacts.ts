import type { AlertingConfigRequest } from '@cost-management/contract';
import { maskEmail, maskPhone, maskSecret, maskUrl, ValidationError } from '@cost-management/core';
import { NotFoundError } from '../../platform/errors.js';
import type { AuditActor, AuditLog } from '../../privacy/ports/audit-log.js';
import type { AlertingConfig, AlertingConfigStore } from '../ports/alerting-store.js';

export interface ContactDeps {
  alerting: AlertingConfigStore;
  /** Webhooks to http are allowed only where the environment says so (local runtime). */
  allowHttpWebhooks: boolean;
  /** The audit log of configuration changes (privacy context): a change is audited with its write. */
  audit?: AuditLog;
}

/**
 * Contacts as an audit entry shows them: enough to see what changed, nothing to reach anyone with
 * (address `o***@example.com`, phone `***678`, webhook its origin, secret only whether one is set).
 */
export function maskedContacts(config: AlertingConfig) {
  const masked = (value: string | undefined, mask: (v: string) => string) =>
    value === undefined ? null : mask(value);
  return {
    email: masked(config.email, maskEmail),
    phone: masked(config.phone, maskPhone),
    webhookUrl: masked(config.webhookUrl, maskUrl),
    webhookSecret: maskSecret(config.webhookSecret),
    escalation: config.escalation
      ? {
          afterMinutes: config.escalation.afterMinutes,
          email: masked(config.escalation.email, maskEmail),
          phone: masked(config.escalation.phone, maskPhone),
        }
      : null,
  };
}

export async function putAlertingConfig(
  deps: ContactDeps,
  tenantId: string,
  userId: string,
  input: AlertingConfigRequest,
  now: Date,
  actor: AuditActor = { tenant: tenantId, keyId: null },
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
  let audit: Awaited<ReturnType<AuditLog['prepare']>> | undefined;
  if (deps.audit) {
    const before = await deps.alerting.get(tenantId, userId);
    audit = await deps.audit.prepare(
      {
        actor,
        action: 'contacts.put',
        target: userId,
        before: before ? maskedContacts(before) : null,
        after: maskedContacts(config),
      },
      now,
    );
  }
  await deps.alerting.put(tenantId, config, audit);
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
