import { ValidationError } from './errors.js';
import { addNano, divRoundHalfEven, type NanoUsd, sumNano } from './money.js';
import { type Catalog, DEFAULT_CATALOG, priceAt, priceUsage, resolveModel } from './pricing/index.js';
import type { ResolvedModel, Scope, TokenUsage } from './pricing/types.js';

/** One kind of call in a workload: tokens of a single call and how many calls a day. */
export interface EstimateOperation {
  name: string;
  inputTokens: number;
  outputTokens: number;
  /** Calls per day, a whole number. */
  perDay: number;
  cacheReadInputTokens?: number;
  cacheWriteInputTokens?: number;
}

export interface EstimateLineItem {
  name: string;
  monthlyNano: NanoUsd;
}

export interface EstimateRequest {
  modelId: string;
  /** Length of the scenario in days, a whole number >= 1; default 30. */
  days?: number;
  operations: EstimateOperation[];
  compareModels?: string[];
  lineItems?: EstimateLineItem[];
  selfHosted?: { upfrontNano: NanoUsd; monthlyNano: NanoUsd };
}

export interface EstimateOperationResult {
  name: string;
  /** `perDay × days`. */
  calls: number;
  inputTokens: number;
  outputTokens: number;
  cacheReadInputTokens: number;
  cacheWriteInputTokens: number;
  /** Exact price of one call (rounded once, as a tracked call would be). */
  costPerCallNano: NanoUsd;
  /** `costPerCallNano × calls`. */
  costNano: NanoUsd;
}

export interface EstimateAlternative {
  /** Canonical id of the compared model. */
  modelId: string;
  scope: Scope;
  llmCostNano: NanoUsd;
  /** Scenario LLM cost minus this model's LLM cost: positive when the alternative is cheaper. */
  savingsNano: NanoUsd;
  /** `savingsNano` as a percentage of the scenario's LLM cost, rounded to 2 decimals (0 when that cost is 0). */
  savingsPercent: number;
}

export interface EstimateResult {
  /** Canonical id of the scenario's model. */
  modelId: string;
  scope: Scope;
  /** Price version of the scenario's model used for every operation. */
  priceVersion: string;
  days: number;
  totals: {
    inputTokens: number;
    outputTokens: number;
    cacheReadInputTokens: number;
    cacheWriteInputTokens: number;
    llmCostNano: NanoUsd;
    lineItemsNano: NanoUsd;
    totalNano: NanoUsd;
  };
  byOperation: EstimateOperationResult[];
  alternatives: EstimateAlternative[];
  /** `null` when the request has no `selfHosted` block. */
  selfHosted: { breakEvenMonths: number | null; firstYearSavingsNano: NanoUsd } | null;
}

const DEFAULT_DAYS = 30;

function invalid(path: string, message: string): ValidationError {
  return new ValidationError(`${path} ${message}`, [{ path, message }]);
}

function wholeNumber(value: number | undefined, path: string, min: number): number {
  if (typeof value !== 'number' || !Number.isSafeInteger(value) || value < min) {
    throw invalid(path, `must be an integer >= ${min}`);
  }
  return value;
}

function nonNegativeNano(value: NanoUsd, path: string): NanoUsd {
  if (!Number.isSafeInteger(value) || value < 0)
    throw invalid(path, 'must be a whole, non-negative nano-USD amount');
  return value;
}

/** Exact product of two safe integers; throws when it leaves the safe range. */
function times(a: number, b: number, path: string): number {
  const product = BigInt(a) * BigInt(b);
  if (product > BigInt(Number.MAX_SAFE_INTEGER) || product < -BigInt(Number.MAX_SAFE_INTEGER)) {
    throw invalid(path, 'is too large to compute exactly');
  }
  return Number(product);
}

/**
 * `numerator × scale / denominator` rounded half to even to 2 decimals, computed on integers
 * (`denominator` > 0).
 */
function ratioTo2Decimals(numerator: number, denominator: number, scale = 1): number {
  const hundredths = divRoundHalfEven(
    BigInt(Math.abs(numerator)) * BigInt(scale) * 100n,
    BigInt(denominator),
  );
  const value = Number(hundredths) / 100;
  return numerator < 0 ? -value : value;
}

function priceOperation(
  op: EstimateOperation,
  index: number,
  days: number,
  model: ResolvedModel,
  at: string,
  foldCacheIntoInput: boolean,
  catalog: Catalog,
): EstimateOperationResult {
  const path = `operations[${index}]`;
  const perDay = wholeNumber(op.perDay, `${path}.perDay`, 0);
  const inputTokens = wholeNumber(op.inputTokens, `${path}.inputTokens`, 0);
  const outputTokens = wholeNumber(op.outputTokens, `${path}.outputTokens`, 0);
  const cacheRead = wholeNumber(op.cacheReadInputTokens ?? 0, `${path}.cacheReadInputTokens`, 0);
  const cacheWrite = wholeNumber(op.cacheWriteInputTokens ?? 0, `${path}.cacheWriteInputTokens`, 0);
  const usage: TokenUsage = foldCacheIntoInput
    ? { inputTokens: inputTokens + cacheRead + cacheWrite, outputTokens }
    : { inputTokens, outputTokens, cacheReadInputTokens: cacheRead, cacheWriteInputTokens: cacheWrite };
  const calls = times(perDay, days, `${path}.perDay`);
  let costPerCallNano: NanoUsd;
  try {
    costPerCallNano = priceUsage({ modelId: model.requestedId, usage, at }, catalog).costNano;
  } catch (error) {
    if (!(error instanceof ValidationError)) throw error;
    throw new ValidationError(
      error.message,
      error.details.map((d) => ({ ...d, path: `${path}.${d.path}` })),
    );
  }
  return {
    name: op.name,
    calls,
    inputTokens: times(inputTokens, calls, `${path}.inputTokens`),
    outputTokens: times(outputTokens, calls, `${path}.outputTokens`),
    cacheReadInputTokens: times(cacheRead, calls, `${path}.cacheReadInputTokens`),
    cacheWriteInputTokens: times(cacheWrite, calls, `${path}.cacheWriteInputTokens`),
    costPerCallNano,
    costNano: times(costPerCallNano, calls, path),
  };
}

function priceOperations(
  operations: EstimateOperation[],
  days: number,
  model: ResolvedModel,
  at: string,
  foldCacheIntoInput: boolean,
  catalog: Catalog,
): EstimateOperationResult[] {
  return operations.map((op, i) => priceOperation(op, i, days, model, at, foldCacheIntoInput, catalog));
}

function sumOf(items: EstimateOperationResult[], key: keyof Omit<EstimateOperationResult, 'name'>): number {
  return sumNano(items.map((item) => item[key]));
}

/**
 * Estimates the monthly cost of a workload (`POST /estimate`), in nano-USD.
 *
 * Method: every operation is priced per call, exactly as a tracked call would be
 * ({@link priceUsage}: rounded once per call, long-context tier decided per call), and that
 * per-call cost is multiplied by `calls = perDay × days`. Token totals are per-call tokens ×
 * calls; `inputTokens` is non-cached input (Converse semantics), cache tokens are reported apart.
 *
 * - `totalNano = llmCostNano + lineItemsNano` and is treated as the monthly cloud cost whatever
 *   `days` is; line items are taken as given (not scaled by `days`).
 * - Alternatives price the same operations on each `compareModels` id. On a model without
 *   prompt caching, an operation's cache tokens count as ordinary input tokens (what that model
 *   would bill); on the scenario's own model cache tokens without caching are an error.
 * - Self-hosting: `breakEvenMonths = upfront / (totalNano − selfHosted.monthly)`, rounded half to
 *   even to 2 decimals, `null` when self-hosting never pays off (cloud ≤ self-hosted monthly);
 *   `firstYearSavingsNano = 12 × (totalNano − selfHosted.monthly) − upfront` (negative when it
 *   costs more).
 *
 * @param at ISO timestamp selecting the price versions (time is always a parameter).
 * @param catalog the catalog to price with (default: the built-in one).
 * @throws UnknownModelError for an unknown `modelId` or `compareModels` entry.
 * @throws ValidationError naming the offending field (`days`, `operations[i].perDay`, …).
 */
export function estimateWorkload(
  req: EstimateRequest,
  at: string,
  catalog: Catalog = DEFAULT_CATALOG,
): EstimateResult {
  const days = req.days === undefined ? DEFAULT_DAYS : wholeNumber(req.days, 'days', 1);
  const model = resolveModel(req.modelId, catalog);
  const { version: priceVersion } = priceAt(model.model, at, model.scope);
  const byOperation = priceOperations(req.operations, days, model, at, false, catalog);
  const llmCostNano = sumOf(byOperation, 'costNano');

  const lineItemsNano = sumNano(
    (req.lineItems ?? []).map((item, i) => nonNegativeNano(item.monthlyNano, `lineItems[${i}].monthlyNano`)),
  );
  const totalNano = addNano(llmCostNano, lineItemsNano);

  const alternatives = (req.compareModels ?? []).map((id): EstimateAlternative => {
    const alt = resolveModel(id, catalog);
    const withoutCaching = priceAt(alt.model, at, alt.scope).rates.cacheReadNanoPerMTok === null;
    const altCost = sumOf(
      priceOperations(req.operations, days, alt, at, withoutCaching, catalog),
      'costNano',
    );
    const savingsNano = addNano(llmCostNano, -altCost);
    return {
      modelId: alt.model.modelId,
      scope: alt.scope,
      llmCostNano: altCost,
      savingsNano,
      savingsPercent: llmCostNano === 0 ? 0 : ratioTo2Decimals(savingsNano, llmCostNano, 100),
    };
  });

  let selfHosted: EstimateResult['selfHosted'] = null;
  if (req.selfHosted) {
    const upfront = nonNegativeNano(req.selfHosted.upfrontNano, 'selfHosted.upfrontNano');
    const monthly = nonNegativeNano(req.selfHosted.monthlyNano, 'selfHosted.monthlyNano');
    const monthlySaving = addNano(totalNano, -monthly);
    selfHosted = {
      breakEvenMonths: monthlySaving > 0 ? ratioTo2Decimals(upfront, monthlySaving) : null,
      firstYearSavingsNano: addNano(times(12, monthlySaving, 'selfHosted.monthlyNano'), -upfront),
    };
  }

  return {
    modelId: model.model.modelId,
    scope: model.scope,
    priceVersion,
    days,
    totals: {
      inputTokens: sumOf(byOperation, 'inputTokens'),
      outputTokens: sumOf(byOperation, 'outputTokens'),
      cacheReadInputTokens: sumOf(byOperation, 'cacheReadInputTokens'),
      cacheWriteInputTokens: sumOf(byOperation, 'cacheWriteInputTokens'),
      llmCostNano,
      lineItemsNano,
      totalNano,
    },
    byOperation,
    alternatives,
    selfHosted,
  };
}
