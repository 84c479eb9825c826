import { Logger } from '@aws-lambda-powertools/logger';
import { redactText } from '@cost-management/core';

/** Web addresses in log text (webhook targets, provider endpoints): their host and path may identify a person. */
const WEB_ADDRESS = /\bhttps?:\/\/[^\s"'<>]+/gi;

/**
 * A string as it may appear in a log line: web addresses become `[url]`, e-mail addresses,
 * phone numbers, IBANs and card numbers their placeholders. Contacts (e-mail, phone, webhook
 * URL) therefore never reach a log, whichever attribute or error message carries them.
 */
export function redactForLog(text: string): string {
  return redactText(text.replace(WEB_ADDRESS, '[url]')).text;
}

/**
 * One JSON logger per function; the service name comes from POWERTOOLS_SERVICE_NAME. Every string
 * of a log line — message, attributes, error messages and stacks — passes {@link redactForLog}.
 */
export const logger = new Logger({
  serviceName: process.env.POWERTOOLS_SERVICE_NAME ?? 'cost-management',
  logLevel: (process.env.POWERTOOLS_LOG_LEVEL as 'INFO' | undefined) ?? 'INFO',
  jsonReplacerFn: (_key, value) => (typeof value === 'string' ? redactForLog(value) : value),
});

/** Masks an email or phone number for logs: `o***@example.com`, `+49******5678`. */
export function maskContact(value: string): string {
  const at = value.indexOf('@');
  if (at > 0) return `${value[0]}***${value.slice(at)}`;
  if (value.length <= 4) return '****';
  return `${value.slice(0, 3)}${'*'.repeat(Math.max(0, value.length - 7))}${value.slice(-4)}`;
}
