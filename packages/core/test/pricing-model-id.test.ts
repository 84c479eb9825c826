import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { UnknownModelError } from '../src/errors.js';
import {
  bedrockIdsOf,
  CATALOG,
  GEO_PROFILE_PREFIXES,
  resolveModel,
  tryResolveModel,
} from '../src/pricing/index.js';

const SONNET_35 = 'anthropic.claude-3-5-sonnet-20240620-v1:0';

function resolvesTo(id: string): [string, string] {
  const resolved = resolveModel(id);
  return [resolved.model.modelId, resolved.scope];
}

describe('resolveModel', () => {
  it('resolves a canonical Bedrock id as an in-region call and keeps the requested id', () => {
    const resolved = resolveModel(SONNET_35);
    expect(resolved.model.modelId).toBe(SONNET_35);
    expect(resolved.model.name).toBe('Claude 3.5 Sonnet');
    expect(resolved.scope).toBe('in-region');
    expect(resolved.requestedId).toBe(SONNET_35);
  });

  it('accepts the id without its trailing version suffix', () => {
    expect(resolvesTo('anthropic.claude-3-5-sonnet-20240620-v1')).toEqual([SONNET_35, 'in-region']);
    expect(resolvesTo('mistral.mistral-7b-instruct-v0')).toEqual([
      'mistral.mistral-7b-instruct-v0:2',
      'in-region',
    ]);
    expect(bedrockIdsOf(resolveModel('amazon.nova-lite-v1:0').model)).toEqual([
      'amazon.nova-lite-v1:0',
      'amazon.nova-lite-v1',
      'amazon.nova-lite',
      'amazon.nova-lite-v1:0:300k',
    ]);
    const unversioned = {
      ...resolveModel('amazon.nova-lite-v1:0').model,
      modelId: 'example.model-v1',
      contextVariants: [],
      spellings: [],
    };
    expect(bedrockIdsOf(unversioned)).toEqual(['example.model-v1']);
  });

  it('accepts the context-window variants a model has, and only those', () => {
    expect(resolvesTo(`${SONNET_35}:200k`)).toEqual([SONNET_35, 'in-region']);
    expect(resolvesTo(`${SONNET_35}:18k`)).toEqual([SONNET_35, 'in-region']);
    expect(resolvesTo('anthropic.claude-3-haiku-20240307-v1:0:48k')[0]).toBe(
      'anthropic.claude-3-haiku-20240307-v1:0',
    );
    expect(() => resolveModel(`${SONNET_35}:48k`)).toThrow(UnknownModelError);
    expect(() => resolveModel('meta.llama3-1-70b-instruct-v1:0:200k')).toThrow(UnknownModelError);
  });

  it.each(GEO_PROFILE_PREFIXES)('treats the %s. profile as a geo call', (prefix) => {
    expect(resolvesTo(`${prefix}.${SONNET_35}`)).toEqual([SONNET_35, 'geo']);
  });

  it('treats the global. profile as a global call', () => {
    expect(resolvesTo('global.anthropic.claude-sonnet-4-5-20250929-v1:0')).toEqual([
      'anthropic.claude-sonnet-4-5-20250929-v1:0',
      'global',
    ]);
  });

  it('matches the profile prefix case-insensitively but the model part exactly', () => {
    expect(resolvesTo(`US.${SONNET_35}`)).toEqual([SONNET_35, 'geo']);
    expect(resolvesTo(`Global.${SONNET_35}`)).toEqual([SONNET_35, 'global']);
    expect(resolvesTo(`US-GOV.${SONNET_35}`)).toEqual([SONNET_35, 'geo']);
    expect(() => resolveModel(`us.${SONNET_35.toUpperCase()}`)).toThrow(UnknownModelError);
    expect(() => resolveModel(SONNET_35.toUpperCase())).toThrow(UnknownModelError);
  });

  it('accepts a profile id without the version suffix or with a context variant', () => {
    expect(resolvesTo('eu.anthropic.claude-3-5-sonnet-20240620-v1')).toEqual([SONNET_35, 'geo']);
    expect(resolvesTo(`apac.${SONNET_35}:200k`)).toEqual([SONNET_35, 'geo']);
  });

  it('resolves foundation-model ARNs as in-region calls', () => {
    expect(resolvesTo(`arn:aws:bedrock:us-east-1::foundation-model/${SONNET_35}`)).toEqual([
      SONNET_35,
      'in-region',
    ]);
    expect(resolvesTo(`arn:aws-us-gov:bedrock:us-gov-west-1::foundation-model/${SONNET_35}`)).toEqual([
      SONNET_35,
      'in-region',
    ]);
    expect(resolvesTo(`ARN:AWS:BEDROCK:eu-central-1::foundation-model/${SONNET_35}:200k`)).toEqual([
      SONNET_35,
      'in-region',
    ]);
  });

  it('resolves system inference-profile ARNs to the scope of their profile', () => {
    const geo =
      'arn:aws:bedrock:eu-west-1:123456789012:inference-profile/eu.anthropic.claude-3-7-sonnet-20250219-v1:0';
    expect(resolvesTo(geo)).toEqual(['anthropic.claude-3-7-sonnet-20250219-v1:0', 'geo']);
    const global =
      'arn:aws:bedrock:us-east-1:123456789012:inference-profile/global.anthropic.claude-haiku-4-5-20251001-v1:0';
    expect(resolvesTo(global)).toEqual(['anthropic.claude-haiku-4-5-20251001-v1:0', 'global']);
    expect(resolveModel(geo).requestedId).toBe(geo);
  });

  it.each([
    [
      'a foundation-model ARN with an account',
      `arn:aws:bedrock:us-east-1:123456789012:foundation-model/${SONNET_35}`,
    ],
    [
      'a foundation-model ARN with a profile id',
      `arn:aws:bedrock:us-east-1::foundation-model/us.${SONNET_35}`,
    ],
    [
      'an inference-profile ARN without an account',
      `arn:aws:bedrock:us-east-1::inference-profile/us.${SONNET_35}`,
    ],
    [
      'an inference-profile ARN without a prefix',
      `arn:aws:bedrock:us-east-1:123456789012:inference-profile/${SONNET_35}`,
    ],
    [
      'an application inference profile',
      'arn:aws:bedrock:us-east-1:123456789012:application-inference-profile/a1b2c3',
    ],
    ['a non-Bedrock ARN', `arn:aws:sagemaker:us-east-1::foundation-model/${SONNET_35}`],
    ['an ARN with a bad account', `arn:aws:bedrock:us-east-1:1234:inference-profile/us.${SONNET_35}`],
    ['an unknown profile prefix', `xx.${SONNET_35}`],
    ['a bare prefix', 'us.'],
    ['a prefix without a model', 'global.anthropic'],
    ['a family name without a date', 'anthropic.claude-3-5-sonnet'],
    ['a leading blank', ` ${SONNET_35}`],
    ['a trailing blank', `${SONNET_35} `],
    ['an empty string', ''],
    ['an alias behind a profile prefix', 'us.claude-3-5-sonnet-20240620'],
    ['an alias inside an ARN', 'arn:aws:bedrock:us-east-1::foundation-model/claude-3-5-sonnet-20240620'],
    ['a model that is not in the catalog', 'cohere.command-r-plus-v1:0'],
    ['a double prefix', `us.eu.${SONNET_35}`],
  ])('rejects %s', (_label, id) => {
    expect(tryResolveModel(id)).toBeUndefined();
    expect(() => resolveModel(id)).toThrow(UnknownModelError);
  });

  it('resolves aliases as in-region calls', () => {
    expect(resolvesTo('claude-3-5-sonnet-20240620')).toEqual([SONNET_35, 'in-region']);
    expect(resolvesTo('claude-3-5-sonnet-latest')).toEqual([
      'anthropic.claude-3-5-sonnet-20241022-v2:0',
      'in-region',
    ]);
    expect(resolvesTo('claude-opus-4-5')).toEqual(['anthropic.claude-opus-4-5-20251101-v1:0', 'in-region']);
    expect(resolvesTo('nova-pro')).toEqual(['amazon.nova-pro-v1:0', 'in-region']);
  });

  it('throws UnknownModelError that names the id and says where the valid ids are listed', () => {
    try {
      resolveModel('gpt-4o');
      expect.unreachable();
    } catch (error) {
      expect(error).toBeInstanceOf(UnknownModelError);
      const unknown = error as UnknownModelError;
      expect(unknown.code).toBe('UNKNOWN_MODEL');
      expect(unknown.modelId).toBe('gpt-4o');
      expect(unknown.message).toContain('/models');
      expect(unknown.details).toEqual([
        { path: 'modelId', message: "'gpt-4o' is not in the pricing catalog" },
      ]);
    }
  });

  it('resolves every accepted spelling of every model back to that model', () => {
    const models = fc.constantFrom(...CATALOG);
    const prefixes = fc.constantFrom(...GEO_PROFILE_PREFIXES, 'global');
    fc.assert(
      fc.property(models, prefixes, fc.nat(), (model, prefix, pick) => {
        const ids = bedrockIdsOf(model);
        const id = ids[pick % ids.length]!;
        const profile = resolveModel(`${prefix}.${id}`);
        const arn = resolveModel(`arn:aws:bedrock:us-west-2:111122223333:inference-profile/${prefix}.${id}`);
        const foundation = resolveModel(`arn:aws:bedrock:us-west-2::foundation-model/${id}`);
        return (
          resolveModel(id).model === model &&
          profile.model === model &&
          profile.scope === (prefix === 'global' ? 'global' : 'geo') &&
          arn.model === model &&
          arn.scope === profile.scope &&
          foundation.model === model &&
          foundation.scope === 'in-region' &&
          model.aliases.every((alias) => resolveModel(alias).model === model)
        );
      }),
    );
  });
});
