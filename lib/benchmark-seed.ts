import { BENCHMARKS, type Benchmark } from '@cost-management/core';

/** A DynamoDB attribute value in the low-level (wire) format that BatchWriteItem takes. */
export type AttributeValue =
  | { S: string }
  | { N: string }
  | { BOOL: boolean }
  | { L: AttributeValue[] }
  | { M: Record<string, AttributeValue> };

/** Converts plain data (strings, finite numbers, booleans, arrays, objects) to an attribute value. */
export function toAttributeValue(value: unknown): AttributeValue {
  if (typeof value === 'string') return { S: value };
  if (typeof value === 'number') {
    if (!Number.isFinite(value)) throw new Error(`Cannot store the number ${value} in DynamoDB.`);
    return { N: String(value) };
  }
  if (typeof value === 'boolean') return { BOOL: value };
  if (Array.isArray(value)) return { L: value.map(toAttributeValue) };
  if (typeof value === 'object' && value !== null) {
    return { M: Object.fromEntries(Object.entries(value).map(([k, v]) => [k, toAttributeValue(v)])) };
  }
  throw new Error(`Cannot store a value of type ${typeof value} in DynamoDB.`);
}

/** Key of a benchmark row: the reserved global tenant, then industry and tier. */
export function benchmarkKey(benchmark: Pick<Benchmark, 'industry' | 'tier'>): { pk: string; sk: string } {
  return { pk: `T#_global#IND#${benchmark.industry}`, sk: `TIER#${benchmark.tier}` };
}

/**
 * The rows of the benchmarks table in the wire format, shaped as the benchmark store reads
 * them: `pk`/`sk` from `benchmarkKey` and the whole benchmark under `benchmark` (money in
 * integer nano-USD).
 */
export function benchmarkItems(
  benchmarks: readonly Benchmark[] = BENCHMARKS,
): Record<string, AttributeValue>[] {
  return benchmarks.map((benchmark) => ({
    pk: { S: benchmarkKey(benchmark).pk },
    sk: { S: benchmarkKey(benchmark).sk },
    benchmark: toAttributeValue(benchmark),
  }));
}
