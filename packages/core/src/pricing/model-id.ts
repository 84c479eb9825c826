import { UnknownModelError } from '../errors.js';
import { type Catalog, DEFAULT_CATALOG, type ModelIndex } from './catalog.js';
import type { ModelEntry, ResolvedModel, Scope } from './types.js';

export { bedrockIdsOf, buildModelIndex, type ModelIndex } from './catalog.js';

/**
 * Prefixes of geographic cross-region inference profiles (`us.anthropic…`); `in` as genai-prices
 * lists it for the GPT-5.6 models.
 */
export const GEO_PROFILE_PREFIXES: readonly string[] = ['us', 'eu', 'apac', 'jp', 'au', 'us-gov', 'in'];
/** Prefix of the global cross-region inference profile (`global.anthropic…`). */
export const GLOBAL_PROFILE_PREFIX = 'global';

const PROFILE_ID = /^([a-z-]+)\.(.+)$/i;
const BEDROCK_ARN =
  /^arn:(?:aws|aws-us-gov|aws-cn):bedrock:[a-z0-9-]+:(\d{12})?:(foundation-model|inference-profile)\/(.+)$/i;
/** A Bedrock foundation-model id: `vendor.model…` (letters, digits, `.`, `-`, `_`, `:`). */
const MODEL_ID = /^[a-z][a-z0-9-]*\.[a-z0-9][a-z0-9._:-]*$/i;
const MAX_MODEL_ID_LENGTH = 256;

function indexOf(catalog: Catalog | ModelIndex): ModelIndex {
  return 'index' in catalog ? catalog.index : catalog;
}

function scopeOfPrefix(prefix: string): Scope | undefined {
  const lower = prefix.toLowerCase();
  if (lower === GLOBAL_PROFILE_PREFIX) return 'global';
  return GEO_PROFILE_PREFIXES.includes(lower) ? 'geo' : undefined;
}

/** A well-formed Bedrock model reference: the model id it names and the scope of the call. */
export interface ParsedModelId {
  /** The foundation-model id: without profile prefix or ARN, the rest as given. */
  readonly canonicalId: string;
  readonly scope: Scope;
}

function parseProfileId(profileId: string): ParsedModelId | null {
  const match = PROFILE_ID.exec(profileId);
  const scope = match ? scopeOfPrefix(match[1] as string) : undefined;
  const rest = match?.[2] as string;
  return scope && MODEL_ID.test(rest) ? { canonicalId: rest, scope } : null;
}

/**
 * Whether `id` is a well-formed Bedrock model reference, priced or not:
 * - a foundation-model id `vendor.model…` → `in-region`;
 * - a cross-region inference profile id (`global.` → `global`; `us.`, `eu.`, `apac.`, `jp.`,
 *   `au.`, `us-gov.`, `in.` → `geo`) followed by a model id;
 * - a foundation-model ARN (no account) or a system inference-profile ARN (with account).
 * `canonicalId` strips the profile prefix and ARN and keeps the rest. Anything else (spaces, an
 * alias without a vendor, an application inference profile, an over-long id) is `null`.
 */
export function parseBedrockModelId(id: string): ParsedModelId | null {
  if (typeof id !== 'string' || id.length === 0 || id.length > MAX_MODEL_ID_LENGTH) return null;
  const arn = BEDROCK_ARN.exec(id);
  if (arn) {
    const [, account, resourceType = '', resource = ''] = arn;
    if (resourceType.toLowerCase() === 'foundation-model') {
      return !account && MODEL_ID.test(resource) ? { canonicalId: resource, scope: 'in-region' } : null;
    }
    return account ? parseProfileId(resource) : null;
  }
  if (/^arn:/i.test(id)) return null;
  return parseProfileId(id) ?? (MODEL_ID.test(id) ? { canonicalId: id, scope: 'in-region' } : null);
}

function resolveProfileId(
  profileId: string,
  index: ModelIndex,
): { model: ModelEntry; scope: Scope } | undefined {
  const match = PROFILE_ID.exec(profileId);
  if (!match) return undefined;
  const [, prefix = '', rest = ''] = match;
  const scope = scopeOfPrefix(prefix);
  const model = index.bedrockIds.get(rest);
  return scope && model ? { model, scope } : undefined;
}

function resolveArn(arn: string, index: ModelIndex): { model: ModelEntry; scope: Scope } | undefined {
  const match = BEDROCK_ARN.exec(arn);
  if (!match) return undefined;
  const [, account, resourceType = '', resource = ''] = match;
  if (resourceType.toLowerCase() === 'foundation-model') {
    const model = account ? undefined : index.bedrockIds.get(resource);
    return model ? { model, scope: 'in-region' } : undefined;
  }
  return account ? resolveProfileId(resource, index) : undefined;
}

/**
 * Like {@link resolveModel} but answers `undefined` for an id the catalog does not know.
 * `catalog` (a catalog or its index) defaults to the built-in catalog.
 */
export function tryResolveModel(
  id: string,
  catalog: Catalog | ModelIndex = DEFAULT_CATALOG,
): ResolvedModel | undefined {
  const index = indexOf(catalog);
  let found: { model: ModelEntry; scope: Scope } | undefined;
  if (/^arn:/i.test(id)) {
    found = resolveArn(id, index);
  } else {
    const bare = index.bedrockIds.get(id) ?? index.aliases.get(id);
    found = bare ? { model: bare, scope: 'in-region' } : resolveProfileId(id, index);
  }
  return found ? { ...found, requestedId: id } : undefined;
}

/**
 * Resolves any accepted spelling of a model to its catalog entry and the scope of the call:
 * - a Bedrock model id (`anthropic.claude-3-5-sonnet-20240620-v1:0`), also without the trailing
 *   `:0`, in another spelling genai-prices accepts (`anthropic.claude-sonnet-4-6` for
 *   `…-4-6-v1:0`) or with a context variant (`…-v1:0:200k`) → `in-region`;
 * - a cross-region inference profile id: `global.` → `global`; `us.`, `eu.`, `apac.`, `jp.`,
 *   `au.`, `us-gov.`, `in.` → `geo`;
 * - a foundation-model ARN (`arn:aws:bedrock:<region>::foundation-model/<id>`) → `in-region`, or a
 *   system inference-profile ARN (`arn:aws:bedrock:<region>:<account>:inference-profile/<profile>`)
 *   → the profile's scope;
 * - an alias of the entry (e.g. `claude-3-5-sonnet-20240620`) → `in-region`.
 * The ARN head and the profile prefix are matched case-insensitively; the model part exactly.
 * Application inference profiles (opaque ARNs) cannot be resolved.
 * @throws UnknownModelError for anything else (no fuzzy matching).
 */
export function resolveModel(id: string, catalog: Catalog | ModelIndex = DEFAULT_CATALOG): ResolvedModel {
  const resolved = tryResolveModel(id, catalog);
  if (!resolved) throw new UnknownModelError(id);
  return resolved;
}

/** Every entry of `catalog` (default: the built-in one), in its stable order (a new array; entries frozen). */
export function listModels(catalog: Catalog = DEFAULT_CATALOG): ModelEntry[] {
  return [...catalog.entries];
}
