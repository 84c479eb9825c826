import type { LongContextTier, ModelEntry, PriceVersion, Provider, TokenRates } from './types.js';

/*
 * The pricing catalog: Amazon Bedrock on-demand list prices (us-east-1 unless a note says
 * otherwise), in integer nano-USD per million tokens. USD 3.00 per MTok = 3_000_000_000.
 *
 * Scope premium: from Claude Sonnet 4.5, Haiku 4.5 and Opus 4.5 on, geo cross-region profiles
 * (`us.`, `eu.`, …) and in-region ids cost 10 % more than the `global.` profile. Those entries
 * carry both price lists as data (`rates` for geo/in-region, `globalRates` for global); a test
 * checks that every `rates` figure is exactly 11/10 of its `globalRates` figure.
 *
 * Long context: Claude Sonnet 4 and 4.5 bill a whole request at higher rates (input and cache
 * x2, output x1.5) when its input, cached input included, exceeds 200k tokens.
 *
 * Add a price change as a new version at the end of the model's `prices`; never edit a
 * version that records have been priced with.
 */

const LONG_CONTEXT_THRESHOLD = 200_000;

function rates(
  inputNanoPerMTok: number,
  outputNanoPerMTok: number,
  cacheReadNanoPerMTok: number | null = null,
  cacheWriteNanoPerMTok: number | null = null,
): TokenRates {
  return { inputNanoPerMTok, outputNanoPerMTok, cacheReadNanoPerMTok, cacheWriteNanoPerMTok };
}

interface VersionSpec {
  from: string;
  source: string;
  rates: TokenRates;
  globalRates?: TokenRates;
  longContext?: Omit<LongContextTier, 'aboveInputTokens'>;
}

interface ModelSpec {
  modelId: string;
  provider: Provider;
  name: string;
  aliases?: string[];
  contextVariants?: string[];
  prices: VersionSpec[];
}

function entry(spec: ModelSpec): ModelEntry {
  const prices: PriceVersion[] = spec.prices.map((v) => ({
    version: `${spec.modelId}@${v.from}`,
    effectiveFrom: v.from,
    source: v.source,
    rates: v.rates,
    ...(v.globalRates ? { globalRates: v.globalRates } : {}),
    ...(v.longContext ? { longContext: { aboveInputTokens: LONG_CONTEXT_THRESHOLD, ...v.longContext } } : {}),
  }));
  return {
    modelId: spec.modelId,
    provider: spec.provider,
    name: spec.name,
    aliases: spec.aliases ?? [],
    contextVariants: spec.contextVariants ?? [],
    prices,
  };
}

const BEDROCK = 'Amazon Bedrock on-demand list price';

const SPECS: ModelSpec[] = [
  // ---------------------------------------------------------------- Anthropic Claude
  {
    modelId: 'anthropic.claude-3-haiku-20240307-v1:0',
    provider: 'anthropic',
    name: 'Claude 3 Haiku',
    aliases: ['claude-3-haiku-20240307'],
    contextVariants: ['48k', '200k'],
    prices: [
      {
        from: '2024-03-13',
        source: `${BEDROCK}; no prompt caching on Bedrock`,
        rates: rates(250_000_000, 1_250_000_000),
      },
    ],
  },
  {
    modelId: 'anthropic.claude-3-5-haiku-20241022-v1:0',
    provider: 'anthropic',
    name: 'Claude 3.5 Haiku',
    aliases: ['claude-3-5-haiku-20241022', 'claude-3-5-haiku-latest'],
    prices: [
      {
        from: '2024-11-04',
        source: `${BEDROCK} at launch (USD 1/5); prompt caching not yet offered`,
        rates: rates(1_000_000_000, 5_000_000_000),
      },
      {
        from: '2024-12-02',
        source: `${BEDROCK} after the Claude 3.5 Haiku price cut to USD 0.80/4; cache write 1.00, read 0.08`,
        rates: rates(800_000_000, 4_000_000_000, 80_000_000, 1_000_000_000),
      },
    ],
  },
  {
    modelId: 'anthropic.claude-3-5-sonnet-20240620-v1:0',
    provider: 'anthropic',
    name: 'Claude 3.5 Sonnet',
    aliases: ['claude-3-5-sonnet-20240620'],
    contextVariants: ['18k', '51k', '200k'],
    prices: [
      {
        from: '2024-06-20',
        source: `${BEDROCK}; the pricing page lists no cache rates for this model`,
        rates: rates(3_000_000_000, 15_000_000_000),
      },
    ],
  },
  {
    modelId: 'anthropic.claude-3-5-sonnet-20241022-v2:0',
    provider: 'anthropic',
    name: 'Claude 3.5 Sonnet v2',
    aliases: ['claude-3-5-sonnet-20241022', 'claude-3-5-sonnet-latest'],
    contextVariants: ['18k', '51k', '200k'],
    prices: [
      {
        from: '2024-10-22',
        source: `${BEDROCK}; cache rates as listed for prompt-caching preview customers`,
        rates: rates(3_000_000_000, 15_000_000_000, 300_000_000, 3_750_000_000),
      },
    ],
  },
  {
    modelId: 'anthropic.claude-3-7-sonnet-20250219-v1:0',
    provider: 'anthropic',
    name: 'Claude 3.7 Sonnet',
    aliases: ['claude-3-7-sonnet-20250219', 'claude-3-7-sonnet-latest'],
    prices: [
      {
        from: '2025-02-24',
        source: BEDROCK,
        rates: rates(3_000_000_000, 15_000_000_000, 300_000_000, 3_750_000_000),
      },
    ],
  },
  {
    modelId: 'anthropic.claude-sonnet-4-20250514-v1:0',
    provider: 'anthropic',
    name: 'Claude Sonnet 4',
    aliases: ['claude-sonnet-4-20250514', 'claude-sonnet-4-0'],
    prices: [
      {
        from: '2025-05-22',
        source: `${BEDROCK}; same price on every profile; long context (>200k input) x2 input, x1.5 output`,
        rates: rates(3_000_000_000, 15_000_000_000, 300_000_000, 3_750_000_000),
        longContext: { rates: rates(6_000_000_000, 22_500_000_000, 600_000_000, 7_500_000_000) },
      },
    ],
  },
  {
    modelId: 'anthropic.claude-sonnet-4-5-20250929-v1:0',
    provider: 'anthropic',
    name: 'Claude Sonnet 4.5',
    aliases: ['claude-sonnet-4-5-20250929', 'claude-sonnet-4-5'],
    prices: [
      {
        from: '2025-09-29',
        source: `${BEDROCK}; geo/in-region 10 % above global; long context (>200k input) x2 input, x1.5 output`,
        rates: rates(3_300_000_000, 16_500_000_000, 330_000_000, 4_125_000_000),
        globalRates: rates(3_000_000_000, 15_000_000_000, 300_000_000, 3_750_000_000),
        longContext: {
          rates: rates(6_600_000_000, 24_750_000_000, 660_000_000, 8_250_000_000),
          globalRates: rates(6_000_000_000, 22_500_000_000, 600_000_000, 7_500_000_000),
        },
      },
    ],
  },
  {
    modelId: 'anthropic.claude-haiku-4-5-20251001-v1:0',
    provider: 'anthropic',
    name: 'Claude Haiku 4.5',
    aliases: ['claude-haiku-4-5-20251001', 'claude-haiku-4-5'],
    prices: [
      {
        from: '2025-10-15',
        source: `${BEDROCK}; geo/in-region 10 % above global`,
        rates: rates(1_100_000_000, 5_500_000_000, 110_000_000, 1_375_000_000),
        globalRates: rates(1_000_000_000, 5_000_000_000, 100_000_000, 1_250_000_000),
      },
    ],
  },
  {
    modelId: 'anthropic.claude-3-opus-20240229-v1:0',
    provider: 'anthropic',
    name: 'Claude 3 Opus',
    aliases: ['claude-3-opus-20240229', 'claude-3-opus-latest'],
    contextVariants: ['12k', '28k', '200k'],
    prices: [
      {
        from: '2024-04-16',
        source: `${BEDROCK} (offered in us-west-2, not us-east-1); no prompt caching on Bedrock`,
        rates: rates(15_000_000_000, 75_000_000_000),
      },
    ],
  },
  {
    modelId: 'anthropic.claude-opus-4-20250514-v1:0',
    provider: 'anthropic',
    name: 'Claude Opus 4',
    aliases: ['claude-opus-4-20250514', 'claude-opus-4-0'],
    prices: [
      {
        from: '2025-05-22',
        source: BEDROCK,
        rates: rates(15_000_000_000, 75_000_000_000, 1_500_000_000, 18_750_000_000),
      },
    ],
  },
  {
    modelId: 'anthropic.claude-opus-4-1-20250805-v1:0',
    provider: 'anthropic',
    name: 'Claude Opus 4.1',
    aliases: ['claude-opus-4-1-20250805', 'claude-opus-4-1'],
    prices: [
      {
        from: '2025-08-05',
        source: BEDROCK,
        rates: rates(15_000_000_000, 75_000_000_000, 1_500_000_000, 18_750_000_000),
      },
    ],
  },
  {
    modelId: 'anthropic.claude-opus-4-5-20251101-v1:0',
    provider: 'anthropic',
    name: 'Claude Opus 4.5',
    aliases: ['claude-opus-4-5-20251101', 'claude-opus-4-5'],
    prices: [
      {
        from: '2025-11-24',
        source: `${BEDROCK}; geo/in-region 10 % above global`,
        rates: rates(5_500_000_000, 27_500_000_000, 550_000_000, 6_875_000_000),
        globalRates: rates(5_000_000_000, 25_000_000_000, 500_000_000, 6_250_000_000),
      },
    ],
  },
  // ---------------------------------------------------------------- Amazon Nova
  // Bedrock lists a cache-read rate (75 % off input) and no cache-write surcharge for Nova:
  // tokens written to the cache are billed at the standard input rate.
  {
    modelId: 'amazon.nova-micro-v1:0',
    provider: 'amazon',
    name: 'Amazon Nova Micro',
    aliases: ['nova-micro'],
    contextVariants: ['128k'],
    prices: [
      {
        from: '2024-12-03',
        source: `${BEDROCK}; cache write at the input rate`,
        rates: rates(35_000_000, 140_000_000, 8_750_000, 35_000_000),
      },
    ],
  },
  {
    modelId: 'amazon.nova-lite-v1:0',
    provider: 'amazon',
    name: 'Amazon Nova Lite',
    aliases: ['nova-lite'],
    contextVariants: ['300k'],
    prices: [
      {
        from: '2024-12-03',
        source: `${BEDROCK}; cache write at the input rate`,
        rates: rates(60_000_000, 240_000_000, 15_000_000, 60_000_000),
      },
    ],
  },
  {
    modelId: 'amazon.nova-pro-v1:0',
    provider: 'amazon',
    name: 'Amazon Nova Pro',
    aliases: ['nova-pro'],
    contextVariants: ['300k'],
    prices: [
      {
        from: '2024-12-03',
        source: `${BEDROCK}; cache write at the input rate`,
        rates: rates(800_000_000, 3_200_000_000, 200_000_000, 800_000_000),
      },
    ],
  },
  {
    modelId: 'amazon.nova-premier-v1:0',
    provider: 'amazon',
    name: 'Amazon Nova Premier',
    aliases: ['nova-premier'],
    prices: [
      {
        from: '2025-04-30',
        source: `${BEDROCK}; cache write at the input rate`,
        rates: rates(2_500_000_000, 12_500_000_000, 625_000_000, 2_500_000_000),
      },
    ],
  },
  // ---------------------------------------------------------------- Meta Llama (no prompt caching)
  {
    modelId: 'meta.llama3-8b-instruct-v1:0',
    provider: 'meta',
    name: 'Llama 3 8B Instruct',
    prices: [{ from: '2024-04-23', source: BEDROCK, rates: rates(300_000_000, 600_000_000) }],
  },
  {
    modelId: 'meta.llama3-70b-instruct-v1:0',
    provider: 'meta',
    name: 'Llama 3 70B Instruct',
    prices: [{ from: '2024-04-23', source: BEDROCK, rates: rates(2_650_000_000, 3_500_000_000) }],
  },
  {
    modelId: 'meta.llama3-1-8b-instruct-v1:0',
    provider: 'meta',
    name: 'Llama 3.1 8B Instruct',
    prices: [{ from: '2024-07-23', source: BEDROCK, rates: rates(220_000_000, 220_000_000) }],
  },
  {
    modelId: 'meta.llama3-1-70b-instruct-v1:0',
    provider: 'meta',
    name: 'Llama 3.1 70B Instruct',
    prices: [
      {
        from: '2024-07-23',
        source: `${BEDROCK} (current list price; the launch price was higher, date of the cut not recorded)`,
        rates: rates(720_000_000, 720_000_000),
      },
    ],
  },
  {
    modelId: 'meta.llama3-1-405b-instruct-v1:0',
    provider: 'meta',
    name: 'Llama 3.1 405B Instruct',
    prices: [
      {
        from: '2024-07-23',
        source: `${BEDROCK} (current list price; the launch price was higher, date of the cut not recorded)`,
        rates: rates(2_400_000_000, 2_400_000_000),
      },
    ],
  },
  {
    modelId: 'meta.llama3-2-1b-instruct-v1:0',
    provider: 'meta',
    name: 'Llama 3.2 1B Instruct',
    prices: [{ from: '2024-09-25', source: BEDROCK, rates: rates(100_000_000, 100_000_000) }],
  },
  {
    modelId: 'meta.llama3-2-3b-instruct-v1:0',
    provider: 'meta',
    name: 'Llama 3.2 3B Instruct',
    prices: [{ from: '2024-09-25', source: BEDROCK, rates: rates(150_000_000, 150_000_000) }],
  },
  {
    modelId: 'meta.llama3-2-11b-instruct-v1:0',
    provider: 'meta',
    name: 'Llama 3.2 11B Vision Instruct',
    prices: [{ from: '2024-09-25', source: BEDROCK, rates: rates(160_000_000, 160_000_000) }],
  },
  {
    modelId: 'meta.llama3-2-90b-instruct-v1:0',
    provider: 'meta',
    name: 'Llama 3.2 90B Vision Instruct',
    prices: [{ from: '2024-09-25', source: BEDROCK, rates: rates(720_000_000, 720_000_000) }],
  },
  {
    modelId: 'meta.llama3-3-70b-instruct-v1:0',
    provider: 'meta',
    name: 'Llama 3.3 70B Instruct',
    prices: [{ from: '2024-12-19', source: BEDROCK, rates: rates(720_000_000, 720_000_000) }],
  },
  {
    modelId: 'meta.llama4-scout-17b-instruct-v1:0',
    provider: 'meta',
    name: 'Llama 4 Scout 17B Instruct',
    prices: [{ from: '2025-04-28', source: BEDROCK, rates: rates(170_000_000, 660_000_000) }],
  },
  {
    modelId: 'meta.llama4-maverick-17b-instruct-v1:0',
    provider: 'meta',
    name: 'Llama 4 Maverick 17B Instruct',
    prices: [{ from: '2025-04-28', source: BEDROCK, rates: rates(240_000_000, 970_000_000) }],
  },
  // ---------------------------------------------------------------- Mistral AI (no prompt caching)
  {
    modelId: 'mistral.mistral-7b-instruct-v0:2',
    provider: 'mistral',
    name: 'Mistral 7B Instruct',
    prices: [{ from: '2024-03-01', source: BEDROCK, rates: rates(150_000_000, 200_000_000) }],
  },
  {
    modelId: 'mistral.mixtral-8x7b-instruct-v0:1',
    provider: 'mistral',
    name: 'Mixtral 8x7B Instruct',
    prices: [{ from: '2024-03-01', source: BEDROCK, rates: rates(450_000_000, 700_000_000) }],
  },
  {
    modelId: 'mistral.mistral-large-2402-v1:0',
    provider: 'mistral',
    name: 'Mistral Large (24.02)',
    prices: [{ from: '2024-04-02', source: BEDROCK, rates: rates(4_000_000_000, 12_000_000_000) }],
  },
  {
    modelId: 'mistral.mistral-large-2407-v1:0',
    provider: 'mistral',
    name: 'Mistral Large 2 (24.07)',
    prices: [
      {
        from: '2024-07-24',
        source: `${BEDROCK} (offered in us-west-2)`,
        rates: rates(3_000_000_000, 9_000_000_000),
      },
    ],
  },
  {
    modelId: 'mistral.mistral-small-2402-v1:0',
    provider: 'mistral',
    name: 'Mistral Small (24.02)',
    prices: [{ from: '2024-05-23', source: BEDROCK, rates: rates(1_000_000_000, 3_000_000_000) }],
  },
  {
    modelId: 'mistral.pixtral-large-2502-v1:0',
    provider: 'mistral',
    name: 'Pixtral Large (25.02)',
    prices: [
      {
        from: '2025-04-08',
        source: `${BEDROCK} (served through the us./eu. profiles)`,
        rates: rates(2_000_000_000, 6_000_000_000),
      },
    ],
  },
];

function deepFreeze<T>(value: T): T {
  if (value !== null && typeof value === 'object' && !Object.isFrozen(value)) {
    Object.freeze(value);
    for (const child of Object.values(value)) deepFreeze(child);
  }
  return value;
}

/** Every model of the catalog, in a stable order (by provider, then family and size). Frozen. */
export const CATALOG: readonly ModelEntry[] = deepFreeze(SPECS.map(entry));
