import {
  type CostExplorerClient,
  GetCostAndUsageCommand,
  type GetCostAndUsageCommandInput,
} from '@aws-sdk/client-cost-explorer';
import type { BilledUsagePage, BilledUsageQuery, BillReader } from '../ports/bill-reader.js';

/** The cost the bill is compared with: unblended, as CUR's `line_item_unblended_cost`. */
export const COST_METRIC = 'UnblendedCost';

/**
 * The `GetCostAndUsage` request of one page: daily, the account's usage line items of the given
 * services (credits, refunds, discounts and tax are other record types and stay out, as in the
 * CUR import), grouped by usage type and Region.
 */
export function costAndUsageRequest(
  query: BilledUsageQuery,
  pageToken?: string,
): GetCostAndUsageCommandInput {
  return {
    TimePeriod: { Start: query.start, End: query.end },
    Granularity: 'DAILY',
    Metrics: [COST_METRIC],
    Filter: {
      And: [
        { Dimensions: { Key: 'SERVICE', Values: [...query.services] } },
        { Dimensions: { Key: 'LINKED_ACCOUNT', Values: [query.account] } },
        { Dimensions: { Key: 'RECORD_TYPE', Values: ['Usage'] } },
      ],
    },
    GroupBy: [
      { Type: 'DIMENSION', Key: 'USAGE_TYPE' },
      { Type: 'DIMENSION', Key: 'REGION' },
    ],
    ...(pageToken ? { NextPageToken: pageToken } : {}),
  };
}

/** Regions Cost Explorer names for usage that has none. */
const NO_REGION = new Set(['', 'NoRegion']);

/** The bill through Cost Explorer (its endpoint is global; the SDK resolves it from any Region). */
export class CostExplorerBill implements BillReader {
  constructor(private readonly client: CostExplorerClient) {}

  async usagePage(query: BilledUsageQuery, pageToken?: string): Promise<BilledUsagePage> {
    const answer = await this.client.send(new GetCostAndUsageCommand(costAndUsageRequest(query, pageToken)));
    return {
      days: (answer.ResultsByTime ?? []).map((result) => {
        const date = result.TimePeriod?.Start;
        if (!date) throw new Error('Cost Explorer answered a result without its day');
        return {
          date,
          groups: (result.Groups ?? []).map((group) => {
            const [usageType, region = ''] = group.Keys ?? [];
            const cost = group.Metrics?.[COST_METRIC];
            if (!usageType || cost?.Amount === undefined) {
              throw new Error(
                `Cost Explorer answered a group of ${date} without usage type or ${COST_METRIC}`,
              );
            }
            return {
              usageType,
              region: NO_REGION.has(region) ? null : region,
              amount: cost.Amount,
              unit: cost.Unit ?? 'USD',
            };
          }),
        };
      }),
      ...(answer.NextPageToken ? { nextPageToken: answer.NextPageToken } : {}),
    };
  }
}
