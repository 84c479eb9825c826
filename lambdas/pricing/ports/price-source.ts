import type { CatalogData } from '@cost-management/core';

/** Where a price sync's data came from. */
export type PriceDataOrigin = 'published' | 'package' | 'bundled';

/** genai-prices' Bedrock data, converted (integer nano-USD), as a price sync reads it. */
export interface LoadedPriceData {
  data: CatalogData;
  origin: PriceDataOrigin;
  /** The URL, package version or release the data came from. */
  location: string;
  /** Why a preferred source (the published file) was not used, when one was tried first. */
  fallbackReason?: string;
}

/** Port: the newest genai-prices data a price sync can reach. Throws when it has none at all. */
export interface PriceSource {
  load(): Promise<LoadedPriceData>;
}
