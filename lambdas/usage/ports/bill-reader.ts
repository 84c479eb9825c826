/**
 * Port: the AWS bill of one account, as Cost Explorer `GetCostAndUsage` answers it — daily
 * unblended cost of the given services, usage line items only, grouped by usage type and Region,
 * one page at a time.
 */

export interface BilledUsageQuery {
  /** The account whose bill is read (Cost Explorer's `LINKED_ACCOUNT`). */
  account: string;
  /** Cost Explorer `SERVICE` values, e.g. `Amazon Bedrock`. */
  services: readonly string[];
  /** First UTC day, included (`YYYY-MM-DD`). */
  start: string;
  /** The day after the last one: Cost Explorer's end is exclusive. */
  end: string;
}

export interface BilledUsageGroup {
  usageType: string;
  /** The Region the bill names (`us-east-1`, `global`, …), null when it names none. */
  region: string | null;
  /** Decimal text, exactly as the bill gives it. */
  amount: string;
  /** Currency of `amount` (`USD`). */
  unit: string;
}

export interface BilledUsagePage {
  /** One entry per UTC day of the page, with every group billed that day (possibly none). */
  days: { date: string; groups: BilledUsageGroup[] }[];
  /** Set when more pages follow. */
  nextPageToken?: string;
}

export interface BillReader {
  usagePage(query: BilledUsageQuery, pageToken?: string): Promise<BilledUsagePage>;
}
