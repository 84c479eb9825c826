import { HttpTransport, type QueryValue, type TransportOptions } from './http-transport.js';
import type {
  Alerting,
  AlertingInput,
  Analytics,
  AnalyticsQueryInput,
  AuditEntry,
  AuditPage,
  AuditQueryInput,
  AutoControlConfig,
  AutoControlInput,
  Benchmarks,
  BenchmarksQueryInput,
  Breach,
  BreachList,
  BreachQueryInput,
  CheckInput,
  CheckResult,
  ControlActionHistory,
  ControlActionsQueryInput,
  ControlStatus,
  Erasure,
  Estimate,
  EstimateInput,
  ExportPage,
  ExportQueryInput,
  ExportRecord,
  Health,
  InvocationLogsInput,
  InvocationLogsResult,
  Models,
  PriceInput,
  PriceList,
  Projections,
  ProjectionsQueryInput,
  PutPriceResult,
  Recommendations,
  Reconciliation,
  ReconciliationQueryInput,
  ReverseActionInput,
  ReverseActionResult,
  Settings,
  SettingsInput,
  TenantBreachPage,
  TenantBreachQueryInput,
  TenantUser,
  TenantUsersPage,
  TenantUsersQueryInput,
  ThresholdInput,
  ThresholdList,
  ThresholdUpdateInput,
  ThresholdWrite,
  TrackUsageBatchResult,
  TrackUsageInput,
  TrackUsageResult,
  UnpricedUsage,
} from './types.js';

export type CostClientOptions = TransportOptions;

/** A track-usage body whose `requestId` is set. */
export type TrackUsageEvent = TrackUsageInput & { requestId: string };

/** A fresh idempotency key for a usage event. */
export function newRequestId(): string {
  return globalThis.crypto.randomUUID();
}

/** Sets a generated `requestId` on an event that has none (the same one on every retry). */
export function withRequestId(event: TrackUsageInput): TrackUsageEvent {
  return event.requestId ? (event as TrackUsageEvent) : { ...event, requestId: newRequestId() };
}

const seg = (value: string): string => encodeURIComponent(value);

/** The typed client of the cost-management REST API. */
export interface CostClient {
  /** Records one model call (201, or 200 with `duplicate: true` for a replay). */
  trackUsage(event: TrackUsageInput): Promise<TrackUsageResult>;
  /** Records up to 25 calls; each gets its own status, in input order. */
  trackUsageBatch(events: TrackUsageInput[]): Promise<TrackUsageBatchResult>;
  /** Asks cost control whether (and on which model) to make a call; generates a `requestId` when missing. */
  check(request: CheckInput): Promise<CheckResult>;
  analytics(userId: string, query?: AnalyticsQueryInput): Promise<Analytics>;
  projections(userId: string, query?: ProjectionsQueryInput): Promise<Projections>;
  recommendations(userId: string): Promise<Recommendations>;
  benchmarks(query?: BenchmarksQueryInput): Promise<Benchmarks>;
  /** One JSON page of usage records; pass `nextCursor` back as `cursor` for the next one. */
  exportRecords(userId: string, query?: ExportQueryInput): Promise<ExportPage>;
  /** Every page of the range, fetched one at a time as the loop asks for it. */
  exportPages(userId: string, query?: Omit<ExportQueryInput, 'cursor'>): AsyncIterableIterator<ExportPage>;
  /** Every record of the range, page by page. */
  exportItems(userId: string, query?: Omit<ExportQueryInput, 'cursor'>): AsyncIterableIterator<ExportRecord>;
  models(): Promise<Models>;
  estimate(scenario: EstimateInput): Promise<Estimate>;
  createThreshold(threshold: ThresholdInput): Promise<ThresholdWrite>;
  listThresholds(userId: string): Promise<ThresholdList>;
  updateThreshold(thresholdId: string, changes: ThresholdUpdateInput): Promise<ThresholdWrite>;
  deleteThreshold(thresholdId: string): Promise<void>;
  putAlerting(userId: string, config: AlertingInput): Promise<Alerting>;
  getAlerting(userId: string): Promise<Alerting>;
  listBreaches(userId: string, query?: BreachQueryInput): Promise<BreachList>;
  /** One page of the breaches of every user of the tenant, newest first (filter by status). */
  tenantBreaches(query?: TenantBreachQueryInput): Promise<TenantBreachPage>;
  /** Every breach of the tenant matching the filter, page by page. */
  tenantBreachItems(query?: Omit<TenantBreachQueryInput, 'cursor'>): AsyncIterableIterator<Breach>;
  /** One page of the tenant's users with usage in a range of UTC days, by spend descending. */
  users(query?: TenantUsersQueryInput): Promise<TenantUsersPage>;
  /** Every user of the range, by spend descending, page by page. */
  userItems(query?: Omit<TenantUsersQueryInput, 'cursor'>): AsyncIterableIterator<TenantUser>;
  acknowledgeBreach(breachId: string): Promise<Breach>;
  initAutoControl(config: AutoControlInput): Promise<AutoControlConfig>;
  controlStatus(userId: string): Promise<ControlStatus>;
  reverseAction(actionId: string, body: ReverseActionInput): Promise<ReverseActionResult>;
  controlActions(userId: string, query?: ControlActionsQueryInput): Promise<ControlActionHistory>;
  health(): Promise<Health>;
  /** Adds a negotiated price version of the caller's tenant (201); usage waiting for it is priced at once. */
  putPrice(modelId: string, price: PriceInput): Promise<PutPriceResult>;
  /** The tenant's own price versions. */
  listPrices(): Promise<PriceList>;
  /** Removes a tenant price version that has not priced any usage yet (409 otherwise). */
  deletePrice(modelId: string, effectiveFrom: string): Promise<void>;
  /** Usage recorded without a price, by model. */
  unpriced(): Promise<UnpricedUsage>;
  /** Records Amazon Bedrock model invocation log records (each idempotency key once). */
  importInvocationLogs(records: InvocationLogsInput['records']): Promise<InvocationLogsResult>;
  /** What the service priced against what AWS billed, per day and model. */
  reconciliation(query?: ReconciliationQueryInput): Promise<Reconciliation>;
  /**
   * Erases a user (admin key): answers the erasure at once (`pending`), the work runs in the
   * background. Asking again answers the same erasure while it runs, and after it completed as
   * long as the user has no data again.
   */
  eraseUser(userId: string): Promise<Erasure>;
  /** The status of an erasure: `pending`, `running` or `completed` (with `completedAt`). */
  erasure(erasureId: string): Promise<Erasure>;
  /** The tenant's data-protection settings (retention) and the progress of its retention job (admin). */
  getSettings(): Promise<Settings>;
  /** Changes the retention; new records get it within a minute, stored ones through a background job (admin). */
  putSettings(settings: SettingsInput): Promise<Settings>;
  /** One page of the audit log of configuration changes, newest first (admin). */
  audit(query?: AuditQueryInput): Promise<AuditPage>;
  /** Every audit entry of the range, newest first, page by page. */
  auditEntries(query?: Omit<AuditQueryInput, 'cursor'>): AsyncIterableIterator<AuditEntry>;
}

/**
 * Creates the client. Requests carry `x-api-key`; 429 and 503 answers are retried with
 * exponential backoff and jitter, waiting at least `Retry-After`; idempotent requests are also
 * retried after network errors; other errors throw a `CostApiError` at once.
 */
export function createCostClient(options: CostClientOptions): CostClient {
  const http = new HttpTransport(options);
  const get = <T>(path: string, query?: object) =>
    http.json<T>({ method: 'GET', path, query: query as Record<string, QueryValue>, idempotent: true });
  const post = <T>(path: string, body: unknown, idempotent: boolean) =>
    http.json<T>({ method: 'POST', path, body, idempotent });

  const client: CostClient = {
    trackUsage: (event) => post('/track-usage', withRequestId(event), true),
    trackUsageBatch: (events) => post('/track-usage/batch', { events: events.map(withRequestId) }, true),
    // A requestId of its own keeps a retried check to one hard-budget reservation.
    check: (request) => post('/check', { ...request, requestId: request.requestId ?? newRequestId() }, true),
    analytics: (userId, query) => get(`/analytics/${seg(userId)}`, query),
    projections: (userId, query) => get(`/projections/${seg(userId)}`, query),
    recommendations: (userId) => get(`/recommendations/${seg(userId)}`),
    benchmarks: (query) => get('/benchmarks', query),
    exportRecords: (userId, query) => get(`/export/${seg(userId)}`, { ...query, format: 'json' }),
    async *exportPages(userId, query) {
      let cursor: string | undefined;
      do {
        const page = await client.exportRecords(userId, { ...query, ...(cursor ? { cursor } : {}) });
        yield page;
        cursor = page.nextCursor ?? undefined;
      } while (cursor);
    },
    async *exportItems(userId, query) {
      for await (const page of client.exportPages(userId, query)) yield* page.items;
    },
    models: () => get('/models'),
    estimate: (scenario) => post('/estimate', scenario, true),
    createThreshold: (threshold) => post('/thresholds', threshold, false),
    listThresholds: (userId) => get(`/thresholds/${seg(userId)}`),
    updateThreshold: (thresholdId, changes) =>
      http.json({ method: 'PUT', path: `/thresholds/${seg(thresholdId)}`, body: changes, idempotent: true }),
    deleteThreshold: async (thresholdId) => {
      await http.send({ method: 'DELETE', path: `/thresholds/${seg(thresholdId)}`, idempotent: true });
    },
    putAlerting: (userId, config) =>
      http.json({ method: 'PUT', path: `/alerting/${seg(userId)}`, body: config, idempotent: true }),
    getAlerting: (userId) => get(`/alerting/${seg(userId)}`),
    listBreaches: (userId, query) => get(`/breaches/${seg(userId)}`, query),
    tenantBreaches: (query) => get('/breaches', query),
    async *tenantBreachItems(query) {
      let cursor: string | undefined;
      do {
        const page = await client.tenantBreaches({ ...query, ...(cursor ? { cursor } : {}) });
        yield* page.items;
        cursor = page.nextCursor ?? undefined;
      } while (cursor);
    },
    users: (query) => get('/users', query),
    async *userItems(query) {
      let cursor: string | undefined;
      do {
        const page = await client.users({ ...query, ...(cursor ? { cursor } : {}) });
        yield* page.items;
        cursor = page.nextCursor ?? undefined;
      } while (cursor);
    },
    acknowledgeBreach: (breachId) => post(`/breaches/${seg(breachId)}/acknowledge`, undefined, true),
    initAutoControl: (config) => post('/auto-control/init', config, true),
    controlStatus: (userId) => get(`/auto-control/status/${seg(userId)}`),
    reverseAction: (actionId, body) => post(`/auto-control/reverse/${seg(actionId)}`, body, false),
    controlActions: (userId, query) => get(`/auto-control/actions/${seg(userId)}`, query),
    health: () => get('/health'),
    putPrice: (modelId, price) =>
      http.json({ method: 'PUT', path: `/prices/${seg(modelId)}`, body: price, idempotent: false }),
    listPrices: () => get('/prices'),
    deletePrice: async (modelId, effectiveFrom) => {
      await http.send({
        method: 'DELETE',
        path: `/prices/${seg(modelId)}`,
        query: { effectiveFrom },
        idempotent: true,
      });
    },
    unpriced: () => get('/unpriced'),
    // Each record's idempotency key makes a retried import count once.
    importInvocationLogs: (records) => post('/invocation-logs', { records }, true),
    reconciliation: (query) => get('/reconciliation', query),
    // A repeated request answers the same erasure, so a retry is safe.
    eraseUser: (userId) => http.json({ method: 'DELETE', path: `/users/${seg(userId)}`, idempotent: true }),
    erasure: (erasureId) => get(`/erasures/${seg(erasureId)}`),
    getSettings: () => get('/settings'),
    putSettings: (settings) =>
      http.json({ method: 'PUT', path: '/settings', body: settings, idempotent: true }),
    audit: (query) => get('/audit', query),
    async *auditEntries(query) {
      let cursor: string | undefined;
      do {
        const page = await client.audit({ ...query, ...(cursor ? { cursor } : {}) });
        yield* page.items;
        cursor = page.nextCursor ?? undefined;
      } while (cursor);
    },
  };
  return client;
}
