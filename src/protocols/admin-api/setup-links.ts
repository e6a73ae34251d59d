import { z } from 'zod';
import {
  createSetupLink,
  getSetupLink,
  listSetupLinks,
  maxSetupLinkHours,
  revokeSetupLink,
  type SetupLink,
  setupLinkFeatures,
} from '../../domain/setup-links/index.ts';
import { MusterError } from '../../errors.ts';
import type { Principal } from '../http/index.ts';
import { type AnyOperation, operation } from './operation.ts';
import { id, isoDate, pageOf, pageQuery, toPageBody } from './schemas.ts';

const feature = z.enum(setupLinkFeatures as [string, ...string[]]);

const setupLinkSchema = z
  .object({
    id,
    features: z.array(feature),
    status: z.enum(['active', 'expired', 'revoked']).meta({
      description: 'expired once expiresAt has passed; revoked once deleted',
    }),
    expiresAt: isoDate,
    revokedAt: isoDate.nullable(),
    connectionId: id.nullable().meta({
      description: 'sso: the id of the connection the link sets up, reserved when it is made',
    }),
    directoryId: id.nullable().meta({ description: 'scim: the directory made through the link, once made' }),
    provider: z.string().nullable().meta({ description: 'The IdP the IT admin chose in the portal' }),
    protocol: z.enum(['saml', 'oidc']).nullable(),
    createdBy: z.object({ type: z.string(), id: z.string().nullable() }),
    createdAt: isoDate,
    updatedAt: isoDate,
  })
  .meta({ id: 'SetupLink' });

const createdSetupLinkSchema = setupLinkSchema
  .extend({
    url: z.string().meta({
      description: 'The portal, PUBLIC_URL/setup/{token}: shown this once, only a hash of the token is kept',
    }),
  })
  .meta({ id: 'CreatedSetupLink' });

const createBody = z.strictObject({
  features: z
    .array(feature)
    .min(1, 'give sso, scim or both')
    .max(2)
    .refine((list) => new Set(list).size === list.length, 'names a feature twice')
    .meta({
      description: 'What the link sets up: sso (a SAML or OIDC connection), scim (a directory), or both',
    }),
  expiresInHours: z
    .number()
    .int()
    .min(1)
    .max(maxSetupLinkHours)
    .optional()
    .meta({ description: `How long the link works, 1 to ${maxSetupLinkHours} hours (default 72)` }),
});

function toBody(link: SetupLink) {
  return {
    id: link.id,
    features: [...link.features],
    status: link.status,
    expiresAt: link.expiresAt,
    revokedAt: link.revokedAt,
    connectionId: link.connectionId,
    directoryId: link.directoryId,
    provider: link.choice?.provider ?? null,
    protocol: link.choice?.protocol ?? null,
    createdBy: { ...link.createdBy },
    createdAt: link.createdAt,
    updatedAt: link.updatedAt,
  };
}

const ref = (params: Readonly<Record<string, string>>) => params.link ?? '';

export const setupLinkOperations: AnyOperation[] = [
  operation({
    method: 'post',
    path: '/orgs/{org}/setup-links',
    summary:
      "Create a setup link for the customer's IT admin to set up SSO and/or SCIM without an account; its URL is in the answer, once",
    tag: 'Setup links',
    access: 'org',
    body: createBody,
    status: 201,
    response: createdSetupLinkSchema,
    handle: async ({ org, body, deps, ctx }) => {
      const { link, url } = await createSetupLink(deps.db, { publicUrl: deps.publicUrl }, ctx, org.id, {
        features: body.features as SetupLink['features'],
        expiresInHours: body.expiresInHours,
      });
      return { ...toBody(link), url };
    },
    location: (link, { org }) => `/orgs/${org.id}/setup-links/${link.id}`,
  }),
  operation({
    method: 'get',
    path: '/orgs/{org}/setup-links',
    summary: "List the org's setup links (never their URLs), oldest first",
    tag: 'Setup links',
    access: 'org',
    query: pageQuery,
    status: 200,
    response: pageOf(setupLinkSchema),
    handle: async ({ org, query, deps }) => {
      const page = await listSetupLinks(deps.db, org.id, { after: query.cursor, limit: query.limit });
      return toPageBody({ more: page.more, items: page.items.map(toBody) });
    },
  }),
  operation({
    method: 'get',
    path: '/orgs/{org}/setup-links/{link}',
    summary: 'Get a setup link',
    tag: 'Setup links',
    access: 'org',
    status: 200,
    response: setupLinkSchema,
    handle: async ({ org, params, deps }) => toBody(await getSetupLink(deps.db, org.id, ref(params))),
  }),
  operation({
    method: 'delete',
    path: '/orgs/{org}/setup-links/{link}',
    summary:
      'Revoke an active setup link: its portal stops working at once; what was set up through it stays',
    tag: 'Setup links',
    access: 'org',
    status: 200,
    response: setupLinkSchema,
    handle: async ({ org, params, deps, ctx }) =>
      toBody(await revokeSetupLink(deps.db, ctx, org.id, ref(params))),
  }),
];

type SetupPrincipal = Extract<Principal, { kind: 'setup_link' }>;
type Params = Readonly<Record<string, string>>;

const same = (ref: string | undefined, id: string | undefined) =>
  id !== undefined && ref !== undefined && ref.toLowerCase() === id;
const ownConnection = (p: SetupPrincipal, params: Params) =>
  p.features.includes('sso') && same(params.connection, p.connectionId);
const ownDirectory = (p: SetupPrincipal, params: Params) =>
  p.features.includes('scim') && same(params.dir, p.directoryId);

/**
 * What a setup link may do through the admin API, operation by operation:
 * make the connection whose id it reserved, read and change that one,
 * verify its domains; make one directory, then read it, its tokens and
 * its request log. Nothing else.
 */
const setupLinkScope: Readonly<Record<string, (p: SetupPrincipal, params: Params) => boolean>> = {
  'post /orgs/{org}/connections': (p, params) =>
    p.features.includes('sso') && same(params.reservedId, p.connectionId),
  'get /orgs/{org}/connections/{connection}': ownConnection,
  'patch /orgs/{org}/connections/{connection}': ownConnection,
  'post /orgs/{org}/connections/{connection}/domains/{domain}/verify': ownConnection,
  'post /orgs/{org}/directories': (p) => p.features.includes('scim') && p.directoryId === undefined,
  'get /orgs/{org}/directories/{dir}': ownDirectory,
  'get /orgs/{org}/directories/{dir}/tokens': ownDirectory,
  'post /orgs/{org}/directories/{dir}/tokens': ownDirectory,
  'delete /orgs/{org}/directories/{dir}/tokens/{token}': ownDirectory,
  'get /orgs/{org}/directories/{dir}/requests': ownDirectory,
};

/** Refuses (403) an operation outside what the setup link sets up. */
export function checkSetupLinkScope(op: AnyOperation, principal: SetupPrincipal, params: Params): void {
  const allows = setupLinkScope[`${op.method} ${op.path}`];
  if (!allows?.(principal, params))
    throw new MusterError('forbidden', 'A setup link reaches only the connection and directory it sets up');
}
