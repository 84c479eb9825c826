import type { Node } from 'constructs';
import type { z } from 'zod/mini';
import { environmentSchema } from '../lambdas/platform/function-spec.js';
import { parseTenantMap } from '../lambdas/usage/use-cases/capture-invocation-logs.js';
import { parseIdentityMap } from '../lambdas/usage/use-cases/import-invocation-logs.js';
import type { ServiceFunction } from './constructs/service-function.js';

/**
 * How the deployment captures every call: where Bedrock delivers its model invocation logs, which
 * tenant each account (or IAM role) belongs to, how users are found, and when the daily
 * reconciliation with the bill alerts. Read from CDK context; every value is optional.
 */
export interface CaptureConfig {
  /** `captureTenants`: 12-digit account id or IAM role ARN → tenant id. */
  tenants: Record<string, string>;
  /** `invocationLogGroup`: the CloudWatch Logs group Bedrock delivers invocation logs to. */
  logGroup?: string;
  /** `invocationLogBucket`, `invocationLogPrefix`, `invocationLogBucketKey`: the S3 delivery. */
  bucket?: { name: string; prefix: string; keyArn?: string };
  /** `invocationLogUserKey`: the `requestMetadata` key that names the user. */
  userKey?: string;
  /** `invocationLogIdentityMap`: IAM role, session or user ARN → user id. */
  identityMap?: Record<string, string>;
  /** `reconciliationThresholdPercent`: the gap share above which the reconciliation alarms (default 2). */
  thresholdPercent?: number;
  /** `reconciliationServices`: Cost Explorer SERVICE values reconciled (default `Amazon Bedrock`). */
  services?: string[];
}

export const DEFAULT_RECONCILIATION_THRESHOLD_PERCENT = 2;

const LOG_GROUP = /^[\w\-/.#]{1,512}$/;
const BUCKET = /^[a-z0-9][a-z0-9.-]{1,61}[a-z0-9]$/;
const KMS_KEY_ARN = /^arn:aws[a-z-]*:kms:[a-z0-9-]+:\d{12}:key\/[A-Za-z0-9-]+$/;

/** A context value that is a JSON object: written as one in cdk.json, or as JSON text with `-c`. */
function jsonText(node: Node, key: string): string | undefined {
  const value: unknown = node.tryGetContext(key);
  if (value === undefined || value === null || value === '') return undefined;
  if (typeof value === 'string') return value;
  if (typeof value === 'object' && !Array.isArray(value)) return JSON.stringify(value);
  throw new Error(`Context value '${key}' must be a JSON object.`);
}

function text(node: Node, key: string): string | undefined {
  const value: unknown = node.tryGetContext(key);
  if (value === undefined || value === null) return undefined;
  if (typeof value !== 'string') throw new Error(`Context value '${key}' must be a string.`);
  return value.trim() || undefined;
}

function parsed<T>(key: string, parse: () => T): T {
  try {
    return parse();
  } catch (error) {
    throw new Error(`Context value '${key}' is invalid: ${(error as Error).message}.`);
  }
}

function checked(key: string, value: string, pattern: RegExp, expected: string): string {
  if (!pattern.test(value)) throw new Error(`Context value '${key}' is '${value}', expected ${expected}.`);
  return value;
}

/**
 * Reads the capture settings from context; undefined when none is set. A log group or bucket
 * without `captureTenants` is refused: no captured record could be given a tenant.
 */
export function readCaptureConfig(node: Node): CaptureConfig | undefined {
  const tenantsText = jsonText(node, 'captureTenants');
  const tenants = parsed('captureTenants', () => parseTenantMap(tenantsText));
  const logGroup = text(node, 'invocationLogGroup');
  const bucketName = text(node, 'invocationLogBucket');
  const prefix = text(node, 'invocationLogPrefix');
  const keyArn = text(node, 'invocationLogBucketKey');
  const userKey = text(node, 'invocationLogUserKey');
  const identityText = jsonText(node, 'invocationLogIdentityMap');
  const thresholdValue: unknown = node.tryGetContext('reconciliationThresholdPercent');
  const servicesValue: unknown = node.tryGetContext('reconciliationServices');
  const anything = [
    tenantsText,
    logGroup,
    bucketName,
    prefix,
    keyArn,
    userKey,
    identityText,
    thresholdValue,
    servicesValue,
  ];
  if (anything.every((v) => v === undefined || v === null || v === '')) return undefined;

  if ((logGroup || bucketName) && Object.keys(tenants).length === 0) {
    throw new Error(
      'Context value \'captureTenants\' is required with invocationLogGroup or invocationLogBucket: it maps the account (or IAM role) of each call to its tenant, e.g. -c \'captureTenants={"123456789012":"acme"}\'.',
    );
  }
  if ((prefix || keyArn) && !bucketName) {
    throw new Error(
      "Context values 'invocationLogPrefix' and 'invocationLogBucketKey' need 'invocationLogBucket'.",
    );
  }
  if (prefix !== undefined && (prefix.startsWith('/') || prefix.length > 1024)) {
    throw new Error(
      `Context value 'invocationLogPrefix' is '${prefix}', expected an S3 key prefix without a leading /.`,
    );
  }
  let thresholdPercent: number | undefined;
  if (thresholdValue !== undefined && thresholdValue !== null && thresholdValue !== '') {
    thresholdPercent = Number(thresholdValue);
    if (!Number.isFinite(thresholdPercent) || thresholdPercent < 0 || thresholdPercent > 100) {
      throw new Error(
        `Context value 'reconciliationThresholdPercent' is '${String(thresholdValue)}', expected a percentage from 0 to 100.`,
      );
    }
  }
  let services: string[] | undefined;
  if (servicesValue !== undefined && servicesValue !== null && servicesValue !== '') {
    const list = Array.isArray(servicesValue)
      ? servicesValue
      : typeof servicesValue === 'string'
        ? servicesValue.split(',')
        : [servicesValue];
    services = list.map((s) => (typeof s === 'string' ? s.trim() : ''));
    if (services.length === 0 || services.some((s) => s === '' || s.length > 256)) {
      throw new Error(
        "Context value 'reconciliationServices' must list Cost Explorer service names, e.g. 'Amazon Bedrock'.",
      );
    }
  }
  return {
    tenants,
    ...(logGroup ? { logGroup: checked('invocationLogGroup', logGroup, LOG_GROUP, 'a log group name') } : {}),
    ...(bucketName
      ? {
          bucket: {
            name: checked('invocationLogBucket', bucketName, BUCKET, 'an S3 bucket name'),
            prefix: prefix ?? '',
            ...(keyArn
              ? { keyArn: checked('invocationLogBucketKey', keyArn, KMS_KEY_ARN, 'a KMS key ARN') }
              : {}),
          },
        }
      : {}),
    ...(userKey ? { userKey } : {}),
    ...(identityText
      ? { identityMap: parsed('invocationLogIdentityMap', () => parseIdentityMap(identityText)) }
      : {}),
    ...(thresholdPercent !== undefined ? { thresholdPercent } : {}),
    ...(services ? { services } : {}),
  };
}

/** The environment variables the capture settings give every function that declares them. */
export function captureEnvironment(capture: CaptureConfig | undefined): Record<string, string> {
  if (!capture) return {};
  return {
    CAPTURE_TENANTS: JSON.stringify(capture.tenants),
    ...(capture.userKey ? { INVOCATION_LOG_USER_KEY: capture.userKey } : {}),
    ...(capture.identityMap ? { INVOCATION_LOG_IDENTITY_MAP: JSON.stringify(capture.identityMap) } : {}),
    ...(capture.thresholdPercent !== undefined
      ? { RECONCILE_THRESHOLD_PERCENT: String(capture.thresholdPercent) }
      : {}),
    ...(capture.services ? { RECONCILE_SERVICES: JSON.stringify(capture.services) } : {}),
  };
}

/**
 * Sets each variable on the functions whose spec declares it (the API's usage function and the
 * capture function share the attribution settings; both capture functions the tenant map), and
 * checks the value against the spec's own schema, so a bad setting fails synthesis, not a cold start.
 */
export function applyDeploymentEnvironment(
  functions: readonly ServiceFunction[],
  variables: Readonly<Record<string, string>>,
): void {
  for (const fn of functions) {
    const shape = environmentSchema(fn.spec).shape as Record<string, z.ZodMiniType>;
    for (const [name, value] of Object.entries(variables)) {
      const field = shape[name];
      if (!field || !(name in fn.spec.env)) continue;
      if (!field.safeParse(value).success) {
        throw new Error(`Function '${fn.spec.name}' refuses ${name}=${value}.`);
      }
      fn.setEnvironment(name, value);
    }
  }
}
