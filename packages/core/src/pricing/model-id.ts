import { UnknownModelError } from '../errors.js';
import { CATALOG } from './catalog.js';
import type { ModelEntry, ResolvedModel, Scope } from './types.js';

/** Prefixes of geographic cross-region inference profiles (`us.anthropic…`). */
export const GEO_PROFILE_PREFIXES: readonly string[] = ['us', 'eu', 'apac', 'jp', 'au', 'us-gov'];
/** Prefix of the global cross-region inference profile (`global.anthropic…`). */
export const GLOBAL_PROFILE_PREFIX = 'global';

const PROFILE_ID = /^([a-z-]+)\.(.+)$/i;
const BEDROCK_ARN =
  /^arn:(?:aws|aws-us-gov|aws-cn):bedrock:[a-z0-9-]+:(\d{12})?:(foundation-model|inference-profile)\/(.+)$/i;

/** Lookup tables from every accepted spelling to its catalog entry. */
export interface ModelIndex {
  /** Bedrock ids: canonical, without the trailing `:N` version, with `:<context>` variants. */
  readonly bedrockIds: ReadonlyMap<string, ModelEntry>;
  /** Aliases, accepted only bare (no profile prefix, no ARN). */
  readonly aliases: ReadonlyMap<string, ModelEntry>;
}

/** The Bedrock id spellings of one entry: canonical, without `:N`, and with each context variant. */
export function bedrockIdsOf(model: ModelEntry): string[] {
  const ids = [model.modelId];
  const withoutVersion = model.modelId.replace(/:\d+$/, '');
  if (withoutVersion !== model.modelId) ids.push(withoutVersion);
  for (const variant of model.contextVariants) ids.push(`${model.modelId}:${variant}`);
  return ids;
}

/**
 * Builds the lookup tables of a catalog. Throws when two entries claim the same spelling, so
 * an ambiguous catalog can never ship (the catalog test builds the real one).
 */
export function buildModelIndex(entries: readonly ModelEntry[]): ModelIndex {
  const bedrockIds = new Map<string, ModelEntry>();
  const aliases = new Map<string, ModelEntry>();
  const claim = (map: Map<string, ModelEntry>, key: string, model: ModelEntry): void => {
    const owner = bedrockIds.get(key) ?? aliases.get(key);
    if (owner) {
      throw new Error(`model id '${key}' is claimed by both ${owner.modelId} and ${model.modelId}`);
    }
    map.set(key, model);
  };
  for (const model of entries) {
    for (const id of bedrockIdsOf(model)) claim(bedrockIds, id, model);
    for (const alias of model.aliases) claim(aliases, alias, model);
  }
  return { bedrockIds, aliases };
}

const INDEX = buildModelIndex(CATALOG);

function scopeOfPrefix(prefix: string): Scope | undefined {
  const lower = prefix.toLowerCase();
  if (lower === GLOBAL_PROFILE_PREFIX) return 'global';
  return GEO_PROFILE_PREFIXES.includes(lower) ? 'geo' : undefined;
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
 * `index` defaults to the built-in catalog.
 */
export function tryResolveModel(id: string, index: ModelIndex = INDEX): ResolvedModel | undefined {
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
 *   `:0` or with a context variant (`…-v1:0:200k`) → `in-region`;
 * - a cross-region inference profile id: `global.` → `global`; `us.`, `eu.`, `apac.`, `jp.`,
 *   `au.`, `us-gov.` → `geo`;
 * - a foundation-model ARN (`arn:aws:bedrock:<region>::foundation-model/<id>`) → `in-region`, or a
 *   system inference-profile ARN (`arn:aws:bedrock:<region>:<account>:inference-profile/<profile>`)
 *   → the profile's scope;
 * - an alias of the entry (e.g. `claude-3-5-sonnet-20240620`) → `in-region`.
 * The ARN head and the profile prefix are matched case-insensitively; the model part exactly.
 * Application inference profiles (opaque ARNs) cannot be resolved.
 * @throws UnknownModelError for anything else (no fuzzy matching).
 */
export function resolveModel(id: string): ResolvedModel {
  const resolved = tryResolveModel(id);
  if (!resolved) throw new UnknownModelError(id);
  return resolved;
}

/** Every catalog entry, in the catalog's stable order (a new array; the entries are frozen). */
export function listModels(): ModelEntry[] {
  return [...CATALOG];
}
