import * as z from 'zod/mini';
import { ErrorEnvelope } from './primitives.js';
import { BASE_PATH, type ContractRoute, ROUTE_CONTEXTS, type RouteContext, rolesOf } from './routes.js';

type JsonObject = Record<string, unknown>;

const ERROR_RESPONSES: Record<string, string> = {
  '400': 'VALIDATION_ERROR: malformed JSON or a schema violation; details name each bad field.',
  '401': 'UNAUTHORIZED: missing or unknown x-api-key.',
  '403': 'FORBIDDEN: the role of the key may not call this route (see x-roles).',
  '413': 'PAYLOAD_TOO_LARGE: body over 256 KiB.',
  '422': 'UNKNOWN_MODEL: model id not in the catalog.',
  '429':
    "THROTTLED: the tenant's (or the stage's) request rate is above its limit, or cost control asks the caller to wait; see Retry-After.",
  '503': 'UNAVAILABLE: a dependency failed after retries; see Retry-After. Nothing was written.',
  '500': 'INTERNAL: unexpected failure (no internals are exposed).',
};

const CONTEXT_DESCRIPTIONS: Record<RouteContext, string> = {
  platform: 'Liveness and this document.',
  usage:
    'Recording model calls and reading usage: analytics, projections, recommendations, benchmarks, export.',
  pricing: 'The pricing catalog and workload estimates.',
  alerting: 'Thresholds, alert channels and breaches.',
  control: 'Automatic cost control: budgets, actions and the pre-flight check.',
  privacy:
    'Data protection: retention settings, erasure of a user, and the audit log of configuration changes.',
};

function jsonSchema(schema: z.ZodMiniType, io: 'input' | 'output'): JsonObject {
  const out = z.toJSONSchema(schema, { io, target: 'draft-2020-12', unrepresentable: 'any' }) as JsonObject;
  delete out.$schema;
  return out;
}

function pathParameters(path: string): JsonObject[] {
  return [...path.matchAll(/\{([^}]+)\}/g)].map((m) => ({
    name: m[1],
    in: 'path',
    required: true,
    schema: { type: 'string' },
  }));
}

function queryParameters(route: ContractRoute): JsonObject[] {
  if (!route.query) return [];
  const schema = jsonSchema(route.query, 'input') as { properties?: JsonObject; required?: string[] };
  return Object.entries(schema.properties ?? {}).map(([name, s]) => ({
    name,
    in: 'query',
    required: (schema.required ?? []).includes(name),
    schema: s,
  }));
}

/** Builds the OpenAPI 3.1 document of the given routes from their zod schemas. */
export function buildOpenApiDocument(routes: readonly ContractRoute[], version = '0.1.0'): JsonObject {
  const paths: Record<string, Record<string, JsonObject>> = {};
  for (const route of routes) {
    const successContent = route.success.schema
      ? { content: { 'application/json': { schema: jsonSchema(route.success.schema, 'output') } } }
      : route.success.contentType
        ? { content: { [route.success.contentType]: {} } }
        : {};
    const errorContent = {
      content: { 'application/json': { schema: { $ref: '#/components/schemas/ErrorEnvelope' } } },
    };
    const responses: JsonObject = {
      [String(route.success.status)]: { description: route.summary, ...successContent },
    };
    for (const [status, description] of Object.entries(route.otherResponses ?? {})) {
      responses[status] = { description, ...(status.startsWith('2') ? successContent : errorContent) };
    }
    for (const [status, description] of Object.entries(ERROR_RESPONSES)) {
      if ((status === '401' || status === '403') && !route.auth) continue;
      if ((status === '413' || status === '422') && !route.body) continue;
      responses[status] = { description, ...errorContent };
    }
    const operation: JsonObject = {
      tags: [route.context],
      operationId: `${route.method.toLowerCase()}${route.path.replace(/[{}]/g, '').replace(/[/._-](\w)/g, (_, c: string) => c.toUpperCase())}`,
      summary: route.summary,
      parameters: [...pathParameters(route.path), ...queryParameters(route)],
      responses,
      ...(route.auth ? { 'x-roles': rolesOf(route) } : { security: [] }),
      ...(route.body
        ? {
            requestBody: {
              required: true,
              content: { 'application/json': { schema: jsonSchema(route.body, 'input') } },
            },
          }
        : {}),
    };
    const entry = paths[route.path] ?? {};
    entry[route.method.toLowerCase()] = operation;
    paths[route.path] = entry;
  }
  return {
    openapi: '3.1.0',
    info: {
      title: 'LLM cost management API',
      version,
      description:
        'Prices every model call exactly (integer nano-USD inside), keeps per-user analytics, warns budget owners and controls spend automatically.',
    },
    servers: [{ url: BASE_PATH }],
    tags: ROUTE_CONTEXTS.map((name) => ({ name, description: CONTEXT_DESCRIPTIONS[name] })),
    security: [{ apiKey: [] }],
    components: {
      securitySchemes: { apiKey: { type: 'apiKey', in: 'header', name: 'x-api-key' } },
      schemas: { ErrorEnvelope: jsonSchema(ErrorEnvelope, 'output') },
    },
    paths,
  };
}
