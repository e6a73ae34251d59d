import type { z } from 'zod';
import {
  type AttributeMapping,
  type Connection,
  type ConnectionChanges,
  connectionUrls,
  createConnection,
  type DirectoryProvider,
  deleteConnection,
  getConnection,
  lastSignIns,
  listConnections,
  type TokenEndpointAuthMethod,
  updateConnection,
  verifyConnectionDomain,
} from '../../domain/sources/index.ts';
import { MusterError } from '../../errors.ts';
import { generateCertifiedKeyPair } from '../../infra/crypto/index.ts';
import { newId } from '../../infra/ids/index.ts';
import type { Db } from '../../storage/index.ts';
import { generateSpKeys } from '../saml/index.ts';
import { checkedUrl, samlIdpChange } from './connection-input.ts';
import {
  connectionSchema,
  createBody,
  domainSchema,
  type oidcInput,
  patchBody,
  toConnectionBody,
  toDomainBody,
} from './connection-schemas.ts';
import { type ConnectionTools, operation } from './operation.ts';
import { pageOf, pageQuery, toPageBody } from './schemas.ts';

const connectionRef = (params: Readonly<Record<string, string>>) => params.connection ?? '';

type OidcBody = Partial<z.output<typeof oidcInput>>;

/** The OIDC client of a request, with its issuer checked; the secret travels apart from it. */
function oidcClient(oidc: OidcBody, tools: ConnectionTools) {
  return {
    ...(oidc.issuer !== undefined ? { issuer: checkedUrl(oidc.issuer, 'oidc.issuer', tools) } : {}),
    ...(oidc.clientId !== undefined ? { clientId: oidc.clientId } : {}),
    ...(oidc.tokenEndpointAuthMethod !== undefined
      ? { tokenEndpointAuthMethod: oidc.tokenEndpointAuthMethod as TokenEndpointAuthMethod }
      : {}),
    ...(oidc.scopes !== undefined ? { scopes: oidc.scopes } : {}),
  };
}

/**
 * Every OIDC connection gets a client key when it is made, so switching it
 * to private_key_jwt later needs no step of its own; older connections get
 * one when they switch.
 */
function clientKeyFor(publicUrl: string, id: string) {
  return generateCertifiedKeyPair({ commonName: `${connectionUrls(publicUrl, id).redirectUri} client` });
}

function requireSecret(oidc: OidcBody): string | undefined {
  if (oidc.clientSecret === undefined && oidc.tokenEndpointAuthMethod !== 'private_key_jwt')
    throw new MusterError('validation_failed', 'The request body is not valid', {
      details: [
        {
          path: 'oidc.clientSecret',
          message: 'is required unless tokenEndpointAuthMethod is private_key_jwt',
        },
      ],
    });
  return oidc.clientSecret;
}

/** One connection's body, with when someone last signed in through it. */
async function withActivity(db: Db, connection: Connection, publicUrl: string) {
  const signIns = await lastSignIns(db, connection.orgId, [connection.id]);
  return toConnectionBody(connection, publicUrl, { lastSignInAt: signIns.get(connection.id) ?? null });
}

type Common = {
  provider?: string | undefined;
  name?: string | undefined;
  domains?: string[] | undefined;
  jit?: boolean | undefined;
  attributeMapping?: AttributeMapping | undefined;
  groupsAttribute?: string | null | undefined;
  clockSkewSeconds?: number | undefined;
  allowIdpInitiated?: boolean | undefined;
  allowSha1Signatures?: boolean | undefined;
  allowUnsignedAssertions?: boolean | undefined;
  nameIdFormat?: string | null | undefined;
};

/** The settings both protocols share, and SAML's named relaxations, as the domain takes them. */
function commonChanges(body: Common) {
  const { allowSha1Signatures, allowUnsignedAssertions, nameIdFormat } = body;
  const relaxed = [allowSha1Signatures, allowUnsignedAssertions, nameIdFormat].some((v) => v !== undefined);
  return {
    provider: body.provider as DirectoryProvider | undefined,
    name: body.name,
    domains: body.domains,
    jit: body.jit,
    attributeMapping: body.attributeMapping,
    groupsAttribute: body.groupsAttribute,
    clockSkewSeconds: body.clockSkewSeconds,
    allowIdpInitiated: body.allowIdpInitiated,
    samlOptions: relaxed ? { allowSha1Signatures, allowUnsignedAssertions, nameIdFormat } : undefined,
  };
}

export const connectionOperations = [
  operation({
    method: 'post',
    path: '/orgs/{org}/connections',
    summary:
      'Create an SSO connection (SAML from metadata XML, a metadata URL or fields; or OIDC); SP keys are made for it',
    tag: 'Connections',
    access: 'org',
    body: createBody,
    status: 201,
    unprocessable: true,
    response: connectionSchema,
    handle: async ({ org, body, deps, ctx, params }) => {
      // A setup link reserved its connection's id ahead; the REST route has no such parameter.
      const id = params.reservedId ?? newId();
      const tools = deps.sso;
      const common = commonChanges(body);
      const input = {
        ...common,
        id,
        protocol: body.protocol,
        provider: body.provider as DirectoryProvider,
        domains: body.domains,
      };
      if (body.protocol === 'saml') {
        const saml = await samlIdpChange(body.saml, tools, 'create');
        const { signing, encryption } = await generateSpKeys(connectionUrls(deps.publicUrl, id).spEntityId);
        const connection = await createConnection(deps.db, tools.secretBox, ctx, org.id, {
          ...input,
          saml,
          secrets: { spSigning: signing, spEncryption: encryption },
        });
        return toConnectionBody(connection, deps.publicUrl, { lastSignInAt: null });
      }
      const clientSecret = requireSecret(body.oidc);
      const client = oidcClient(body.oidc, tools);
      const clientKey = await clientKeyFor(deps.publicUrl, id);
      const connection = await createConnection(deps.db, tools.secretBox, ctx, org.id, {
        ...input,
        oidc: {
          issuer: client.issuer ?? '',
          clientId: client.clientId ?? '',
          tokenEndpointAuthMethod: client.tokenEndpointAuthMethod ?? 'client_secret_basic',
          scopes: client.scopes ?? null,
          clientCertificate: clientKey.certificate,
        },
        secrets: { ...(clientSecret === undefined ? {} : { clientSecret }), clientKey },
      });
      return toConnectionBody(connection, deps.publicUrl, { lastSignInAt: null });
    },
    location: (connection, { org }) => `/orgs/${org.id}/connections/${connection.id}`,
  }),
  operation({
    method: 'get',
    path: '/orgs/{org}/connections',
    summary: 'List SSO connections',
    tag: 'Connections',
    access: 'org',
    query: pageQuery,
    status: 200,
    response: pageOf(connectionSchema),
    handle: async ({ org, query, deps }) => {
      const page = await listConnections(deps.db, org.id, { after: query.cursor, limit: query.limit });
      const signIns = await lastSignIns(
        deps.db,
        org.id,
        page.items.map((c) => c.id),
      );
      return toPageBody({
        more: page.more,
        items: page.items.map((c) =>
          toConnectionBody(c, deps.publicUrl, { lastSignInAt: signIns.get(c.id) ?? null }),
        ),
      });
    },
  }),
  operation({
    method: 'get',
    path: '/orgs/{org}/connections/{connection}',
    summary: 'Get an SSO connection (never its secrets)',
    tag: 'Connections',
    access: 'org',
    status: 200,
    response: connectionSchema,
    handle: async ({ org, params, deps }) =>
      withActivity(deps.db, await getConnection(deps.db, org.id, connectionRef(params)), deps.publicUrl),
  }),
  operation({
    method: 'patch',
    path: '/orgs/{org}/connections/{connection}',
    summary:
      'Change a connection: its IdP (new metadata, URL or certificates), domains, options; the protocol stays',
    tag: 'Connections',
    access: 'org',
    body: patchBody,
    status: 200,
    unprocessable: true,
    response: connectionSchema,
    handle: async ({ org, params, body, deps, ctx }) => {
      const current = await getConnection(deps.db, org.id, connectionRef(params));
      const tools = deps.sso;
      if (body.saml && current.protocol !== 'saml')
        throw new MusterError('validation_failed', 'The request body is not valid', {
          details: [{ path: 'saml', message: 'is not a setting of oidc connections' }],
        });
      const changes: ConnectionChanges = {
        ...commonChanges(body),
        saml: body.saml ? await samlIdpChange(body.saml, tools, 'change') : undefined,
        oidc: body.oidc ? oidcClient(body.oidc, tools) : undefined,
        clientSecret: body.oidc?.clientSecret,
        clientKey:
          body.oidc?.tokenEndpointAuthMethod === 'private_key_jwt' && current.oidc?.clientCertificate === null
            ? await clientKeyFor(deps.publicUrl, current.id)
            : undefined,
      };
      return withActivity(
        deps.db,
        await updateConnection(deps.db, tools.secretBox, ctx, current, changes),
        deps.publicUrl,
      );
    },
  }),
  operation({
    method: 'delete',
    path: '/orgs/{org}/connections/{connection}',
    summary:
      'Delete a connection: its domains, mappings and identities go, its grants are taken back, its sessions end',
    tag: 'Connections',
    access: 'org',
    status: 204,
    handle: async ({ org, params, deps, ctx }) => {
      await deleteConnection(deps.db, ctx, await getConnection(deps.db, org.id, connectionRef(params)));
      return undefined;
    },
  }),
  operation({
    method: 'post',
    path: '/orgs/{org}/connections/{connection}/domains/{domain}/verify',
    summary:
      'Verify a domain: looks up the TXT record at _muster-verification.<domain>; 422 says what was found',
    tag: 'Connections',
    access: 'org',
    status: 200,
    unprocessable: true,
    response: domainSchema,
    handle: async ({ org, params, deps, ctx }) => {
      const connection = await getConnection(deps.db, org.id, connectionRef(params));
      return toDomainBody(
        await verifyConnectionDomain(deps.db, deps.sso.dns, ctx, connection, params.domain ?? ''),
      );
    },
  }),
];
