import type { Node } from 'constructs';

/** Deployment settings, read from CDK context (`cdk.json` or `-c key=value`). */
export interface ServiceConfig {
  /** Stage name, part of every stack name: `dev`, `prod`, … */
  stage: string;
  /** SES sender identity of alert emails; AWS sends a verification link to it on deploy. */
  senderEmail: string;
  /** Phone number (E.164) subscribed by SMS to the emergency topic. */
  alertPhone?: string;
  /** Email address subscribed to the alerts topic, which receives the operational alarms. */
  alarmEmail?: string;
  /** Prefix of the physical table names (`dev` → `dev_bedrock_token_usage`); empty for none. */
  tablePrefix: string;
}

const STAGE = /^[a-z][a-z0-9-]{0,19}$/;
const EMAIL = /^[^\s@]+@[^\s@]+\.[^\s@]+$/;
const PHONE = /^\+[1-9]\d{6,14}$/;
const TABLE_PREFIX = /^[A-Za-z0-9_.-]{0,32}$/;

function text(node: Node, key: string): string | undefined {
  const value: unknown = node.tryGetContext(key);
  if (value === undefined || value === null) return undefined;
  if (typeof value !== 'string') throw new Error(`Context value '${key}' must be a string.`);
  return value.trim();
}

function checked(key: string, value: string, pattern: RegExp, expected: string): string {
  if (!pattern.test(value)) throw new Error(`Context value '${key}' is '${value}', expected ${expected}.`);
  return value;
}

/**
 * Reads and checks the service settings from context. `stage` defaults to `dev`; the table
 * prefix defaults to the stage, so two stages can share an account (`-c tablePrefix=` for the
 * bare seed names).
 */
export function readConfig(node: Node): ServiceConfig {
  const stage = checked('stage', text(node, 'stage') || 'dev', STAGE, 'lower-case letters, digits and -');
  const senderEmail = text(node, 'senderEmail');
  if (!senderEmail)
    throw new Error("Context value 'senderEmail' is required (the SES sender of alert emails).");
  const alertPhone = text(node, 'alertPhone');
  const alarmEmail = text(node, 'alarmEmail');
  const tablePrefix = text(node, 'tablePrefix') ?? stage;
  return {
    stage,
    senderEmail: checked('senderEmail', senderEmail, EMAIL, 'an email address'),
    ...(alertPhone ? { alertPhone: checked('alertPhone', alertPhone, PHONE, 'an E.164 phone number') } : {}),
    ...(alarmEmail ? { alarmEmail: checked('alarmEmail', alarmEmail, EMAIL, 'an email address') } : {}),
    tablePrefix: checked('tablePrefix', tablePrefix, TABLE_PREFIX, 'up to 32 of A-Z a-z 0-9 _ . -'),
  };
}
