import { z } from 'zod';
import type { AnyOperation } from './operation.ts';
import { allOperations } from './operations.ts';
import { errorResponse } from './schemas.ts';

type JsonSchema = Record<string, unknown>;

const errorDescriptions: Record<number, string> = {
  400: 'The request is not valid',
  401: 'Missing or wrong credentials',
  403: 'The credentials do not reach this',
  404: 'Not found',
  409: 'Conflicts with an existing record',
  413: 'The body is too large',
  415: 'The body is not JSON',
  422: 'Names something that does not exist here, or a value this resource does not take',
};

/** How each path parameter names what it names; the others are ids. */
const paramDescriptions: Record<string, string> = {
  org: 'id or slug',
  team: 'id or slug',
  user: 'id or email',
  domain: 'a domain name, such as example.com',
};

/** The errors an operation can answer with, from what it takes. */
function errorStatusesOf(op: AnyOperation): number[] {
  const statuses = [401, 403];
  if (op.body || op.query) statuses.push(400);
  if (op.path.includes('{')) statuses.push(404);
  if (op.method === 'post' || op.method === 'patch') statuses.push(409);
  if (op.body) statuses.push(413, 415);
  if (op.unprocessable) statuses.push(422);
  return statuses.sort();
}

/** The OpenAPI 3.1 document of the admin API, made from the same schemas that validate requests. */
export function openApiDocument(version: string): JsonSchema {
  const components: Record<string, JsonSchema> = {};
  // Named schemas (`.meta({id})`) become components; the rest stay inline.
  const toSchema = (schema: z.ZodType, io: 'input' | 'output'): JsonSchema => {
    const generated = z.toJSONSchema(schema, { io, target: 'draft-2020-12', unrepresentable: 'any' });
    const json = JSON.parse(
      JSON.stringify(generated).replaceAll('"#/$defs/', '"#/components/schemas/'),
    ) as JsonSchema & { $defs?: Record<string, JsonSchema> };
    const { $defs, $schema: _, ...rest } = json;
    for (const [name, def] of Object.entries($defs ?? {})) components[name] = def;
    if (typeof rest.id === 'string') {
      const { id, ...body } = rest;
      components[id] = body;
      return { $ref: `#/components/schemas/${id}` };
    }
    return rest;
  };

  const paths: Record<string, Record<string, JsonSchema>> = {};
  for (const op of allOperations) {
    const pathParams = [...op.path.matchAll(/\{(\w+)\}/g)].map((m) => ({
      name: m[1],
      in: 'path',
      required: true,
      schema: { type: 'string' },
      description: paramDescriptions[m[1] ?? ''] ?? 'id',
    }));
    const queryParams = op.query
      ? Object.entries((toSchema(op.query, 'input').properties ?? {}) as Record<string, JsonSchema>).map(
          ([name, schema]) => ({ name, in: 'query', required: false, schema }),
        )
      : [];
    const responses: Record<string, JsonSchema> = {
      [String(op.status)]: op.response
        ? {
            description: op.summary,
            content: { 'application/json': { schema: toSchema(op.response, 'input') } },
          }
        : { description: op.summary },
    };
    for (const status of errorStatusesOf(op)) {
      responses[String(status)] = {
        description: errorDescriptions[status] ?? 'Error',
        content: { 'application/json': { schema: { $ref: '#/components/schemas/Error' } } },
      };
    }
    const pathItem = paths[op.path] ?? {};
    paths[op.path] = pathItem;
    pathItem[op.method] = {
      summary: op.summary,
      tags: [op.tag],
      ...(op.access === 'super_admin'
        ? { description: 'Only the admin token (ADMIN_TOKEN) may call this.' }
        : {}),
      parameters: [...pathParams, ...queryParams],
      ...(op.body
        ? {
            requestBody: {
              required: true,
              content: { 'application/json': { schema: toSchema(op.body, 'input') } },
            },
          }
        : {}),
      responses,
    };
  }
  toSchema(errorResponse, 'input');
  return {
    openapi: '3.1.0',
    info: { title: 'Muster admin API', version },
    servers: [{ url: '/api/v1' }],
    security: [{ bearer: [] }],
    paths,
    components: {
      schemas: Object.fromEntries(Object.entries(components).sort(([a], [b]) => a.localeCompare(b))),
      securitySchemes: {
        bearer: { type: 'http', scheme: 'bearer', description: 'ADMIN_TOKEN, or an org API key (muster_…)' },
      },
    },
  };
}
