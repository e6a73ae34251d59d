import type { Router } from 'express';
import { MusterError, scimBadRequest } from '../../errors.ts';
import type { Db } from '../../storage/index.ts';
import { toMusterError } from '../http/index.ts';
import { summarize } from './context.ts';
import { capabilities } from './discovery.ts';
import { scimErrorBody } from './errors.ts';
import { versionOfTag } from './preconditions.ts';
import { etagOf } from './render.ts';
import { sendScim } from './respond.ts';
import * as writes from './writes.ts';

const bulkRequestSchema = 'urn:ietf:params:scim:api:messages:2.0:BulkRequest';
const bulkResponseSchema = 'urn:ietf:params:scim:api:messages:2.0:BulkResponse';

interface BulkOperation {
  readonly method: string;
  readonly bulkId?: string;
  readonly version?: string;
  readonly path: string;
  readonly data?: unknown;
}

interface BulkResult {
  method: string;
  bulkId?: string;
  location?: string;
  version?: string;
  status: string;
  response?: unknown;
}

function parseRequest(body: unknown): { operations: BulkOperation[]; failOnErrors: number | undefined } {
  const request = body as { schemas?: unknown; Operations?: unknown; failOnErrors?: unknown } | null;
  if (
    !request ||
    typeof request !== 'object' ||
    !Array.isArray(request.schemas) ||
    !request.schemas.includes(bulkRequestSchema)
  ) {
    throw scimBadRequest('invalidSyntax', `A bulk request lists the schema ${bulkRequestSchema}`);
  }
  if (!Array.isArray(request.Operations))
    throw scimBadRequest('invalidSyntax', 'Operations must be an array');
  if (request.Operations.length > capabilities.bulk.maxOperations) {
    throw new MusterError(
      'payload_too_large',
      `At most ${capabilities.bulk.maxOperations} operations per request`,
      {
        scimType: 'tooMany',
      },
    );
  }
  const failOnErrors = request.failOnErrors;
  if (failOnErrors !== undefined && (!Number.isInteger(failOnErrors) || (failOnErrors as number) < 1)) {
    throw scimBadRequest('invalidValue', 'failOnErrors must be a positive integer');
  }
  const operations = request.Operations.map((op: unknown, i: number) => {
    const o = op as Partial<BulkOperation> | null;
    if (!o || typeof o !== 'object' || typeof o.method !== 'string' || typeof o.path !== 'string') {
      throw scimBadRequest('invalidSyntax', `Operations[${i}] needs a method and a path`);
    }
    return o as BulkOperation;
  });
  return { operations, failOnErrors: failOnErrors as number | undefined };
}

const reference = /^bulkId:(.+)$/;

/** Replaces `bulkId:x` strings with the ids created for them; names the first reference still unknown. */
function resolve(value: unknown, ids: ReadonlyMap<string, string>, missing: Set<string>): unknown {
  if (typeof value === 'string') {
    const ref = reference.exec(value)?.[1];
    if (ref === undefined) return value;
    const id = ids.get(ref);
    if (id === undefined) missing.add(ref);
    return id ?? value;
  }
  if (Array.isArray(value)) return value.map((v) => resolve(v, ids, missing));
  if (value && typeof value === 'object') {
    return Object.fromEntries(Object.entries(value).map(([k, v]) => [k, resolve(v, ids, missing)]));
  }
  return value;
}

type Outcome = { status: number; id?: string; version?: number; kind: 'Users' | 'Groups' };

async function run(
  w: writes.WriteContext,
  method: string,
  path: string,
  data: unknown,
  version: number | undefined,
) {
  const match = /^\/(Users|Groups)(?:\/([^/]+))?$/.exec(path);
  if (!match) throw new MusterError('not_found', `No bulk endpoint at ${path}`, { scimType: 'invalidPath' });
  const kind = match[1] as 'Users' | 'Groups';
  const id = match[2];
  const m = method.toUpperCase();
  if (m === 'POST' && !id) {
    const made = kind === 'Users' ? await writes.createUser(w, data) : await writes.createGroup(w, data);
    return { status: 201, id: made.id, version: made.version, kind } satisfies Outcome;
  }
  if (!id || m === 'POST') throw scimBadRequest('invalidPath', `${method} ${path} is not a bulk operation`);
  if (m === 'PUT' || m === 'PATCH') {
    const call =
      kind === 'Users'
        ? m === 'PUT'
          ? writes.replaceUser
          : writes.patchUser
        : m === 'PUT'
          ? writes.replaceGroup
          : writes.patchGroup;
    const done = await call(w, id, data, version);
    return { status: 200, id: done.id, version: done.version, kind } satisfies Outcome;
  }
  if (m === 'DELETE') {
    await (kind === 'Users' ? writes.deleteUser(w, id, version) : writes.deleteGroup(w, id, version));
    return { status: 204, kind } satisfies Outcome;
  }
  throw scimBadRequest('invalidSyntax', `Unknown bulk method ${method}`);
}

/**
 * /Bulk (RFC 7644 §3.7): operations run in order through the same writes
 * as the endpoints; `bulkId:` references resolve to resources created
 * earlier in the request, later ones wait for the resource they name, and
 * references that never resolve (circular or unknown) fail with 409.
 */
export function mountBulk(router: Router, deps: { db: Db; baseUrl: (directoryId: string) => string }): void {
  router.post('/Bulk', async (req, res) => {
    const { operations, failOnErrors } = parseRequest(req.body);
    const w = writes.writeContext(deps.db, res);
    const base = deps.baseUrl(w.directory.id);
    const ids = new Map<string, string>();
    const results: (BulkResult | undefined)[] = operations.map(() => undefined);
    let errors = 0;
    let pending = operations.map((_, i) => i);
    while (pending.length > 0 && (failOnErrors === undefined || errors < failOnErrors)) {
      const waiting: number[] = [];
      for (const i of pending) {
        if (failOnErrors !== undefined && errors >= failOnErrors) break;
        const op = operations[i] as BulkOperation;
        const missing = new Set<string>();
        const data = resolve(op.data, ids, missing);
        const path = resolve(op.path, ids, missing) as string;
        if (
          missing.size > 0 &&
          [...missing].some((ref) => operations.some((o, j) => j !== i && o.bulkId === ref && !results[j]))
        ) {
          waiting.push(i);
          continue;
        }
        const head = { method: op.method, ...(op.bulkId ? { bulkId: op.bulkId } : {}) };
        try {
          if (missing.size > 0)
            throw new MusterError(
              'conflict',
              `bulkId ${[...missing].join(', ')} is not created in this request`,
            );
          const version = op.version ? (versionOfTag(op.version) ?? -1) : undefined;
          const out = await run(w, op.method, path, data, version);
          if (out.id && op.bulkId) ids.set(op.bulkId, out.id);
          results[i] = {
            ...head,
            ...(out.id ? { location: `${base}/${out.kind}/${out.id}` } : {}),
            ...(out.version !== undefined ? { version: etagOf(out.version) } : {}),
            status: String(out.status),
          };
        } catch (error) {
          const failure = toMusterError(error);
          errors += 1;
          results[i] = { ...head, status: String(failure.status), response: scimErrorBody(failure) };
        }
      }
      // No operation could run: the rest wait on each other.
      if (waiting.length === pending.length) {
        for (const i of waiting) {
          const op = operations[i] as BulkOperation;
          const failure = new MusterError('conflict', 'Circular bulkId references');
          results[i] = {
            method: op.method,
            ...(op.bulkId ? { bulkId: op.bulkId } : {}),
            status: '409',
            response: scimErrorBody(failure),
          };
        }
        break;
      }
      pending = waiting;
    }
    const done = results.filter((r): r is BulkResult => r !== undefined);
    summarize(res, { resourceType: 'Bulk', operations: operations.length, done: done.length, errors });
    sendScim(res, 200, { schemas: [bulkResponseSchema], Operations: done });
  });
}
