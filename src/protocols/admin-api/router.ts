import { type Request, type Response, Router } from 'express';
import { z } from 'zod';
import type { ChangeContext } from '../../domain/audit/index.ts';
import { findOrg, getOrg, type Org } from '../../domain/orgs/index.ts';
import { MusterError } from '../../errors.ts';
import { type Principal, requireAdminCredentials, stateOf } from '../http/index.ts';
import type { AdminApiDeps, AnyOperation, OrgInput } from './operation.ts';
import { allOperations } from './operations.ts';
import { checkSetupLinkScope } from './setup-links.ts';

function validate(schema: z.ZodType, value: unknown, where: 'body' | 'query'): unknown {
  const result = schema.safeParse(value);
  if (result.success) return result.data;
  throw new MusterError(
    'validation_failed',
    where === 'body' ? 'The request body is not valid' : 'The query parameters are not valid',
    {
      details: result.error.issues.map((issue) => {
        const keys = issue.code === 'unrecognized_keys' ? issue.keys.join(', ') : '';
        const path = [...issue.path.map(String), ...(keys ? [keys] : [])].join('.');
        return {
          ...(path ? { path } : {}),
          message: issue.code === 'unrecognized_keys' ? 'is not a known field' : issue.message,
        };
      }),
    },
  );
}

function contextOf(principal: Principal, requestId: string): ChangeContext {
  if (principal.kind === 'super_admin') return { actor: { type: 'admin_token', id: null }, requestId };
  if (principal.kind === 'member') return { actor: { type: 'user', id: principal.userId }, requestId };
  if (principal.kind === 'setup_link')
    return { actor: { type: 'setup_link', id: principal.linkId }, requestId };
  return { actor: { type: 'api_key', id: principal.keyId }, requestId };
}

/**
 * The org named in the path, if this principal may act on it. An org key
 * gets 403 for any other org, whether or not that org exists, so keys learn
 * nothing about other tenants.
 */
async function authorizedOrg(deps: AdminApiDeps, principal: Principal, ref: string): Promise<Org> {
  if (principal.kind === 'super_admin') return getOrg(deps.db, ref);
  const own = await findOrg(deps.db, principal.orgId);
  const wanted = ref.toLowerCase();
  if (!own || (own.id !== wanted && own.slug !== wanted)) {
    throw new MusterError(
      'forbidden',
      principal.kind === 'member'
        ? 'You administer another organization'
        : principal.kind === 'setup_link'
          ? 'This setup link belongs to another organization'
          : 'This API key belongs to another organization',
    );
  }
  return own;
}

/** What a call of an operation carries besides its principal: the path's values, the body and the query, unvalidated. */
export interface OperationCall {
  readonly params: Readonly<Record<string, string>>;
  readonly body?: unknown;
  readonly query?: Readonly<Record<string, unknown>>;
}

/**
 * Runs one operation for a principal: who may, the org, the input checked
 * against its schemas, the handler. The REST router and the console both
 * come through here, so the console has no second path to the data.
 * Returns the answer encoded as the API sends it (dates as ISO strings).
 */
export async function invokeOperation(
  deps: AdminApiDeps,
  op: AnyOperation,
  principal: Principal,
  requestId: string,
  call: OperationCall,
): Promise<{
  readonly result: unknown;
  readonly encoded: unknown;
  readonly input: OrgInput<unknown, unknown>;
}> {
  if (op.access === 'super_admin' && principal.kind !== 'super_admin') {
    throw new MusterError('forbidden', 'Only the admin token may do this');
  }
  const params = { ...call.params };
  if (principal.kind === 'setup_link') checkSetupLinkScope(op, principal, params);
  const org = params.org === undefined ? undefined : await authorizedOrg(deps, principal, params.org);
  const body = op.body ? validate(op.body, call.body ?? {}, 'body') : undefined;
  const query = op.query ? validate(op.query, { ...call.query }, 'query') : undefined;
  const input = {
    body,
    query,
    params,
    principal,
    ctx: contextOf(principal, requestId),
    deps,
    org: org as Org,
  };
  const result = await op.handle(input);
  // Encoding through the response schema checks it and turns dates into ISO strings.
  const encoded = op.status === 204 || !op.response ? undefined : z.encode(op.response, result);
  return { result, encoded, input };
}

function handler(deps: AdminApiDeps, op: AnyOperation) {
  return async (req: Request, res: Response) => {
    const state = stateOf(res);
    const principal = state.principal;
    if (!principal) throw new MusterError('unauthorized', 'Not authenticated');
    // Express 5 parses req.query anew on each read: take one copy.
    const { result, encoded, input } = await invokeOperation(deps, op, principal, state.requestId, {
      params: { ...req.params } as Record<string, string>,
      body: req.body,
      query: { ...req.query },
    });
    if (encoded === undefined) {
      res.status(op.status).end();
      return;
    }
    if (op.location) res.location(`${req.baseUrl}${op.location(result, input)}`);
    res.status(op.status).json(encoded);
  };
}

export function adminApiRouter(deps: AdminApiDeps & { adminToken: string }): Router {
  const router = Router();
  router.use(requireAdminCredentials(deps.db, deps.adminToken));
  const methodsByPath = new Map<string, string[]>();
  for (const op of allOperations) {
    const path = op.path.replace(/\{(\w+)\}/g, ':$1');
    router[op.method](path, handler(deps, op));
    methodsByPath.set(path, [...(methodsByPath.get(path) ?? []), op.method.toUpperCase()]);
  }
  // A known path with another method is 405 with the methods it does take.
  for (const [path, methods] of methodsByPath) {
    router.all(path, (_req, res) => {
      res.setHeader('Allow', methods.join(', '));
      throw new MusterError('method_not_allowed', `This path takes ${methods.join(', ')}`);
    });
  }
  return router;
}
