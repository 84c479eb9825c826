/**
 * Every error the service raises on purpose extends this class. The HTTP layer maps
 * `code` to a status in one place; `details` name the offending fields.
 */
export interface ErrorDetail {
  path: string;
  message: string;
}

export abstract class CostManagementError extends Error {
  abstract readonly code: string;
  readonly details: ErrorDetail[];

  constructor(message: string, details: ErrorDetail[] = []) {
    super(message);
    this.name = new.target.name;
    this.details = details;
  }
}

/** Input that is well-formed JSON but violates the contract. */
export class ValidationError extends CostManagementError {
  readonly code = 'VALIDATION_ERROR';
}

/** A model id (or alias) that the catalog does not know. */
export class UnknownModelError extends CostManagementError {
  readonly code = 'UNKNOWN_MODEL';
  readonly modelId: string;

  constructor(modelId: string) {
    super(
      `Unknown model '${modelId}'. GET /api/cost-management/models lists every supported model id and its aliases.`,
      [{ path: 'modelId', message: `'${modelId}' is not in the pricing catalog` }],
    );
    this.modelId = modelId;
  }
}

/** A money amount outside the range the service can represent exactly. */
export class MoneyRangeError extends CostManagementError {
  readonly code = 'VALIDATION_ERROR';
}
