import { z } from 'zod';
import { TABLES, type TableKey } from './table-definitions.js';

/** DynamoDB actions a function may be granted on one table (and its indexes, for Query). */
export type TableAction =
  | 'GetItem'
  | 'BatchGetItem'
  | 'Query'
  | 'PutItem'
  | 'UpdateItem'
  | 'DeleteItem'
  | 'BatchWriteItem'
  | 'ConditionCheckItem';

/**
 * What one Lambda function needs: the tables it touches with the exact actions, and the
 * rest of its environment. The same spec validates the environment at cold start, types
 * the CDK construct's environment prop, and drives the IAM grants, so env vars and grants
 * cannot drift apart.
 */
export interface FunctionSpec<E extends z.ZodRawShape = z.ZodRawShape> {
  /** Folder name under `lambdas/`. */
  name: string;
  description: string;
  tables: Partial<Record<TableKey, readonly TableAction[]>>;
  /** Further environment variables (besides the table names), as zod fields. */
  env: E;
}

export function defineFunction<E extends z.ZodRawShape>(spec: FunctionSpec<E>): FunctionSpec<E> {
  return spec;
}

type TableEnv<S extends FunctionSpec> = {
  [K in keyof S['tables'] & TableKey as (typeof TABLES)[K]['envVar']]: string;
};

export type FunctionEnvironment<S extends FunctionSpec> = TableEnv<S> & z.output<z.ZodObject<S['env']>>;

/** The zod schema of a function's whole environment: one name per table, plus its own fields. */
export function environmentSchema<S extends FunctionSpec>(spec: S): z.ZodObject {
  const tableFields: Record<string, z.ZodString> = {};
  for (const key of Object.keys(spec.tables) as TableKey[]) {
    tableFields[TABLES[key].envVar] = z.string().min(3).max(255);
  }
  return z.object({ ...tableFields, ...spec.env });
}

/** Validates the environment at cold start; a misconfigured function fails loudly, once. */
export function loadEnvironment<S extends FunctionSpec>(
  spec: S,
  env: Record<string, string | undefined> = process.env,
): FunctionEnvironment<S> {
  const result = environmentSchema(spec).safeParse(env);
  if (!result.success) {
    const fields = result.error.issues.map((i) => i.path.join('.')).join(', ');
    throw new Error(`Function ${spec.name} is misconfigured: bad or missing environment ${fields}`);
  }
  return result.data as FunctionEnvironment<S>;
}
