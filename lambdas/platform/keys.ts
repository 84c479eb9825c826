/**
 * Partition keys shared by the tables. Every partition key starts with the tenant (`T#<tenant>`), so
 * no query built from these can reach another tenant's items. Ids are validated to exclude `#`.
 * Each table's own key layout lives with its adapter (aggregates: the usage aggregate store).
 */
export const userPk = (tenantId: string, userId: string): string => `T#${tenantId}#U#${userId}`;
export const tenantPk = (tenantId: string): string => `T#${tenantId}`;
