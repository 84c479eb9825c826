/**
 * Builds the catalog data of the core (`packages/core/src/pricing/data/bedrock-catalog.json`) from
 * the AWS Bedrock provider of the installed `@pydantic/genai-prices` package.
 * Run with `npm run prices:build`; a test fails when the file differs from what this would write.
 */
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { findProvider } from '@pydantic/genai-prices';
import {
  type CatalogData,
  convertGenaiPrices,
  type GenaiProvider,
} from '../packages/core/src/pricing/genai-prices-import.js';

export const CATALOG_DATA_PATH = join(
  import.meta.dirname,
  '..',
  'packages',
  'core',
  'src',
  'pricing',
  'data',
  'bedrock-catalog.json',
);

/** The catalog data the installed genai-prices package yields now. */
export function buildCatalogData(): CatalogData {
  const provider = findProvider({ providerId: 'aws' });
  if (!provider) throw new Error("genai-prices has no 'aws' provider");
  return convertGenaiPrices(provider as unknown as GenaiProvider);
}

/** The file text: JSON, two-space indented, one trailing newline. */
export function catalogDataText(data: CatalogData): string {
  return `${JSON.stringify(data, null, 2)}\n`;
}

if (import.meta.url === `file://${process.argv[1]}`) {
  const data = buildCatalogData();
  writeFileSync(CATALOG_DATA_PATH, catalogDataText(data));
  console.info(
    `wrote ${data.models.length} models (${data.skipped.length} skipped) to packages/core/src/pricing/data/bedrock-catalog.json`,
  );
}
