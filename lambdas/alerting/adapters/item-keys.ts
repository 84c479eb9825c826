import type { Item } from '../../platform/dynamo-query.js';

/**
 * Shards of the sweep: the thresholds' sweep index (`THS#<shard>`) and the active breaches' one
 * (`BAT#<shard>`, by their threshold) use the same count, so one worker reads a shard of both.
 */
export const SWEEP_SHARDS = 8;

/** A stable shard (0..shards-1) of an id, so an item stays in one shard of a sparse index. */
export function shardOf(id: string, shards: number): number {
  let hash = 0;
  for (let i = 0; i < id.length; i++) hash = (hash * 31 + id.charCodeAt(i)) >>> 0;
  return hash % shards;
}

/** The tenant of a partition key `T#tenant` (breaches and thresholds read across tenants by the sweep). */
export const tenantOfPk = (pk: string): string => pk.slice(2);

/** The stored item without its key and index attributes: the entity as the port knows it. */
export const strip = (item: Item): Item => {
  const {
    pk: _pk,
    sk: _sk,
    gsi1pk: _a,
    gsi1sk: _b,
    gsi2pk: _c,
    gsi2sk: _d,
    gsi3pk: _e,
    gsi3sk: _f,
    tenantId: _t,
    ...rest
  } = item;
  return rest;
};
