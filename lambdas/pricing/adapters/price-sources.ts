import {
  CATALOG_DATA,
  type CatalogData,
  convertGenaiPrices,
  type GenaiProvider,
} from '@cost-management/core';
import type { LoadedPriceData, PriceSource } from '../ports/price-source.js';

/** The data file genai-prices publishes between releases (its `REMOTE_DATA_JSON_URL`). */
export const PUBLISHED_PRICE_DATA_URL =
  'https://raw.githubusercontent.com/pydantic/genai-prices/main/prices/new_data/v2/data.json';

/** The converted genai-prices data this release's catalog was built from (`npm run prices:build`). */
export class BundledPriceSource implements PriceSource {
  constructor(private readonly data: CatalogData = CATALOG_DATA) {}

  async load(): Promise<LoadedPriceData> {
    return { data: this.data, origin: 'bundled', location: `release catalog (${this.data.source})` };
  }
}

/** Data already converted elsewhere, e.g. from the installed `@pydantic/genai-prices` package. */
export class StaticPriceSource implements PriceSource {
  constructor(private readonly loaded: LoadedPriceData) {}

  async load(): Promise<LoadedPriceData> {
    return this.loaded;
  }
}

/**
 * The `aws` provider of a published genai-prices data file (a JSON array of providers), converted.
 * @throws when the text is not such a file or a price cannot be converted exactly.
 */
export function convertPublishedData(json: unknown): CatalogData {
  if (!Array.isArray(json)) throw new Error('the data file is not a list of providers');
  const provider = json.find((p) => (p as { id?: unknown })?.id === 'aws') as GenaiProvider | undefined;
  if (!provider || !Array.isArray(provider.models)) throw new Error("the data file has no 'aws' provider");
  if (provider.models.length === 0) throw new Error("the data file's 'aws' provider lists no model");
  return convertGenaiPrices(provider);
}

/**
 * The published genai-prices data file, fetched with a timeout; when it cannot be fetched or read
 * (no network, an error status, a file that does not convert), the fallback's data, with the
 * reason. Nothing is cached: each sync reads the file anew.
 */
export class PublishedPriceSource implements PriceSource {
  constructor(
    private readonly url: string,
    private readonly fallback: PriceSource,
    private readonly options: { timeoutMs?: number; fetch?: typeof fetch } = {},
  ) {}

  async load(): Promise<LoadedPriceData> {
    try {
      const res = await (this.options.fetch ?? fetch)(this.url, {
        signal: AbortSignal.timeout(this.options.timeoutMs ?? 10_000),
        headers: { accept: 'application/json' },
      });
      if (!res.ok) throw new Error(`HTTP ${res.status}`);
      return { data: convertPublishedData(await res.json()), origin: 'published', location: this.url };
    } catch (error) {
      const fallback = await this.fallback.load();
      const reason = `${this.url} could not be used: ${(error as Error).message}`;
      return { ...fallback, fallbackReason: reason };
    }
  }
}
