/**
 * The API: at the same origin (the local runtime serves both), unless the deployment wrote a
 * `config.json` next to the page naming the API's base URL (the console on its own origin, the API
 * answering it with CORS). The key lives in sessionStorage only and is sent as x-api-key.
 */
let apiBase = '/api/cost-management';

/** Reads `config.json` once before the first call; without one (a 404) the API is at the same origin. */
export async function loadConfig(): Promise<void> {
  try {
    const res = await fetch('config.json', { cache: 'no-store', credentials: 'omit' });
    if (!res.ok) return;
    const config = (await res.json()) as { apiBaseUrl?: unknown };
    if (typeof config.apiBaseUrl === 'string' && /^https?:\/\/[^/]/.test(config.apiBaseUrl)) {
      apiBase = config.apiBaseUrl.replace(/\/+$/, '');
    }
  } catch {
    // No readable configuration: the same origin.
  }
}
const KEY_ITEM = 'cost-console.api-key';

export interface ErrorDetail {
  path: string;
  message: string;
}

/** An answer outside 2xx, with the API's error envelope when it sent one. */
export class ApiError extends Error {
  constructor(
    readonly status: number,
    readonly code: string,
    message: string,
    readonly details: ErrorDetail[] = [],
  ) {
    super(message);
  }
}

export function storedKey(): string | null {
  return sessionStorage.getItem(KEY_ITEM);
}

export function storeKey(key: string | null): void {
  if (key) sessionStorage.setItem(KEY_ITEM, key);
  else sessionStorage.removeItem(KEY_ITEM);
}

export async function api<T>(method: string, path: string, body?: unknown): Promise<T> {
  const headers: Record<string, string> = { accept: 'application/json' };
  const key = storedKey();
  if (key) headers['x-api-key'] = key;
  if (body !== undefined) headers['content-type'] = 'application/json';
  let res: Response;
  try {
    res = await fetch(`${apiBase}${path}`, {
      method,
      headers,
      body: body === undefined ? undefined : JSON.stringify(body),
      cache: 'no-store',
      credentials: 'omit',
    });
  } catch {
    throw new ApiError(0, 'NETWORK', 'The API could not be reached. Is the service running?');
  }
  const text = await res.text();
  let parsed: unknown;
  try {
    parsed = text ? JSON.parse(text) : undefined;
  } catch {
    parsed = undefined;
  }
  if (!res.ok) {
    const error = (parsed as { error?: { code?: string; message?: string; details?: ErrorDetail[] } })?.error;
    throw new ApiError(
      res.status,
      error?.code ?? `HTTP_${res.status}`,
      error?.message ?? `The API answered ${res.status}.`,
      error?.details ?? [],
    );
  }
  return parsed as T;
}

export const enc = encodeURIComponent;

// The shapes the console reads (see the API's OpenAPI document).

export interface Counters {
  requests: number;
  inputTokens: number;
  outputTokens: number;
  cacheReadInputTokens: number;
  cacheWriteInputTokens: number;
  costUsd: number;
}

export interface Analytics {
  userId: string;
  from: string;
  to: string;
  totals: Counters;
  cacheHitRate: number;
  daily: (Counters & { date: string })[];
  byModel: (Counters & { modelId: string })[];
  byOperation: (Counters & { operation: string })[];
  pattern: { type: string; confidence: number };
}

export interface Projection {
  userId: string;
  method: string;
  confidence: number;
  period: { kind: string; timezone: string; start: string; end: string };
  periodToDateUsd: number;
  projectedPeriodEndUsd: number;
  projectedPeriodEndLowerUsd: number;
  projectedPeriodEndUpperUsd: number;
  daily: { date: string; expectedUsd: number; lowerUsd: number; upperUsd: number }[];
  thresholdBreaches: { thresholdId: string; level: string; expectedDate: string }[];
}

export interface Recommendation {
  type: string;
  title: string;
  description: string;
  estimatedMonthlySavingsUsd: number;
  confidence: number;
}

export interface Threshold {
  thresholdId: string;
  userId: string;
  name: string;
  type: 'absolute' | 'forecast' | 'percentage';
  period: 'daily' | 'weekly' | 'monthly';
  limitUsd: number;
  warningPercent: number;
  emergencyPercent: number;
  changePercent: number;
  timezone: string;
  channels: string[];
  enabled: boolean;
}

export interface Breach {
  breachId: string;
  thresholdId: string;
  userId: string;
  level: string;
  status: 'open' | 'acknowledged' | 'resolved';
  periodKey: string;
  periodStart: string;
  periodEnd: string;
  spendUsd: number;
  limitUsd: number;
  detectedAt: string;
  acknowledgedAt: string | null;
  resolvedAt: string | null;
}

export interface ControlStatus {
  userId: string;
  enabled: boolean;
  level: string;
  spendUsd: number;
  budgetUsd: number;
  percentUsed: number;
  period: string;
  periodKey: string;
  periodEnd: string;
  activeActions: {
    actionId: string;
    action: string;
    appliedAt: string;
    reason: string;
    reversible: boolean;
  }[];
}

export interface ControlAction {
  actionId: string;
  type: 'apply' | 'reverse' | 'reset';
  action: string | null;
  at: string;
  actor: string;
  reason: string;
  periodKey: string;
  spendUsd: number;
  reversedAt: string | null;
  reversedBy: string | null;
  before: { level: string };
  after: { level: string };
}

export interface AlertingConfig {
  userId: string;
  email?: string;
  phone?: string;
  webhookUrl?: string;
  webhookSecretSet: boolean;
  escalation?: { afterMinutes: number; email?: string; phone?: string };
}

export interface Model {
  modelId: string;
  provider: string;
  name: string;
}

export interface Estimate {
  modelId: string;
  days: number;
  totals: {
    inputTokens: number;
    outputTokens: number;
    llmCostUsd: number;
    lineItemsUsd: number;
    totalUsd: number;
  };
  byOperation: { name: string; calls: number; inputTokens: number; outputTokens: number; costUsd: number }[];
  alternatives: { modelId: string; llmCostUsd: number; savingsUsd: number; savingsPercent: number }[];
  selfHosted: { breakEvenMonths: number | null; firstYearSavingsUsd: number } | null;
}

export interface TenantUser {
  userId: string;
  costUsd: number;
  requests: number;
  inputTokens: number;
  outputTokens: number;
  /** null when the user has no cost control configured. */
  controlLevel: string | null;
  openBreaches: number;
}
