/**
 * Key layout of every table. Every partition key starts with the tenant (`T#<tenant>`), so
 * no query built here can reach another tenant's items. Ids are validated to exclude `#`.
 */
export const userPk = (tenantId: string, userId: string): string => `T#${tenantId}#U#${userId}`;
export const tenantPk = (tenantId: string): string => `T#${tenantId}`;

/** Idempotency marker of one `requestId` (token_usage table). */
export const requestMarkerKey = (tenantId: string, requestId: string) => ({
  pk: `T#${tenantId}#REQ#${requestId}`,
  sk: 'REQ',
});

/** A raw usage record (token_usage table), ordered by time within the user. */
export const usageRecordSk = (timestamp: string, requestId: string): string => `R#${timestamp}#${requestId}`;

/** Aggregates (token_analytics table). */
export const dayTotalSk = (day: string): string => `D#${day}#T`;
export const dayModelSk = (day: string, modelId: string): string => `D#${day}#M#${modelId}`;
export const dayOperationSk = (day: string, operation: string): string => `D#${day}#O#${operation}`;
export const periodSk = (kind: string, timezone: string, periodKey: string): string =>
  `P#${kind}#${timezone}#${periodKey}`;
export const ALL_TIME_SK = 'A#total';

/** Upper bound of a day's aggregate keys for BETWEEN queries ('~' sorts after every key character used). */
export const dayRangeEnd = (day: string): string => `D#${day}#~`;
export const dayRangeStart = (day: string): string => `D#${day}#`;
