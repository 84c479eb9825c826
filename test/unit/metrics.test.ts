import { afterEach, describe, expect, it, vi } from 'vitest';

afterEach(() => {
  vi.unstubAllEnvs();
  vi.restoreAllMocks();
  vi.resetModules();
});

/** Captures what Powertools writes to stdout while `run` executes. */
async function emf(
  run: (
    mod: typeof import('../../lambdas/platform/metrics.js') &
      typeof import('../../lambdas/usage/use-cases/usage-metrics.js'),
  ) => Promise<void>,
) {
  vi.stubEnv('POWERTOOLS_METRICS_DISABLED', 'false');
  vi.stubEnv('POWERTOOLS_METRICS_NAMESPACE', 'CostManagement');
  const lines: string[] = [];
  const spy = vi.spyOn(process.stdout, 'write').mockImplementation((chunk: string | Uint8Array) => {
    lines.push(String(chunk));
    return true;
  });
  const mod = {
    ...(await import('../../lambdas/platform/metrics.js')),
    ...(await import('../../lambdas/usage/use-cases/usage-metrics.js')),
  };
  await run(mod);
  spy.mockRestore();
  return lines
    .flatMap((l) => l.split('\n'))
    .filter((l) => l.includes('_aws'))
    .map((l) => JSON.parse(l) as Record<string, unknown>);
}

describe('business metrics (EMF)', () => {
  it('publishes tracked cost and tokens of newly recorded events in the CostManagement namespace', async () => {
    const [line] = await emf(async ({ usageMetricsReactor }) => {
      const record = {
        costNano: 10_500_000,
        inputTokens: 1000,
        outputTokens: 500,
        cacheReadInputTokens: 0,
        cacheWriteInputTokens: 0,
      } as Parameters<typeof usageMetricsReactor>[1][number];
      await usageMetricsReactor('t', [record, record], new Date());
    });
    expect(line).toMatchObject({ TrackedCostUsd: 0.021, InputTokens: 2000, OutputTokens: 1000 });
    const aws = line?._aws as { CloudWatchMetrics: { Namespace: string; Metrics: { Name: string }[] }[] };
    expect(aws.CloudWatchMetrics[0]?.Namespace).toBe('CostManagement');
    expect(aws.CloudWatchMetrics[0]?.Metrics.map((m) => m.Name)).not.toContain('CacheReadInputTokens');
  });

  it('counts unpriced events per model and in total (the total is what the alarm watches)', async () => {
    const lines = await emf(async ({ unpricedMetricsReactor }) => {
      const record = (modelId: string) =>
        ({ modelId, requestedModelId: modelId, requestId: modelId, priced: false }) as Parameters<
          typeof unpricedMetricsReactor
        >[1][number];
      await unpricedMetricsReactor(
        't',
        [record('acme.a-v1:0'), record('acme.a-v1:0'), record('acme.b-v1:0')],
        new Date(),
      );
    });
    const dimensions = (line: Record<string, unknown>) =>
      (line._aws as { CloudWatchMetrics: { Dimensions: string[][] }[] }).CloudWatchMetrics[0]?.Dimensions[0];
    const perModel = lines.filter((l) => 'modelId' in l);
    expect(perModel.map((l) => [l.modelId, l.UnpricedEvents])).toEqual([
      ['acme.a-v1:0', 2],
      ['acme.b-v1:0', 1],
    ]);
    const total = lines.filter((l) => !('modelId' in l));
    expect(total).toHaveLength(1);
    expect(total[0]?.UnpricedEvents).toBe(3);
    expect(dimensions(total[0] as Record<string, unknown>)).toEqual(['service']);
  });

  it('publishes nothing when every value is zero', async () => {
    const lines = await emf(async ({ emitMetrics }) => emitMetrics({ alertsSent: 0, alertsFailed: 0 }));
    expect(lines).toEqual([]);
  });
});
