import { notFound } from '../../errors.ts';
import type { SecretBox } from '../../infra/crypto/index.ts';
import { isUuid, newId } from '../../infra/ids/index.ts';
import type { ConnectionRow, Db, PageOf, PageRequest } from '../../storage/index.ts';
import * as store from '../../storage/index.ts';
import { adminCause, type ChangeContext, recordAudit } from '../audit/index.ts';
import {
  type ConnectionChanges,
  changedColumns,
  checkProtocol,
  invalid,
  mappingJson,
  mergeIdp,
  type NewConnection,
} from './connection-changes.ts';
import { claimDomains, readDomains, toConnectionDomain } from './connection-domains.ts';
import { forgetOpenedConnection } from './connection-opened.ts';
import { scheduleMetadataRefresh } from './connection-refresh.ts';
import { sealSecrets } from './connection-secrets.ts';
import {
  auditSnapshot,
  type Connection,
  defaultClockSkewSeconds,
  type SamlIdp,
  type SamlOptions,
  settingsOf,
  toConnection,
} from './connection-view.ts';

async function withDomains(db: Db, row: ConnectionRow): Promise<Connection> {
  const domains = await store.domainsOfConnections(db, row.org_id, [row.id]);
  return toConnection(row, domains.map(toConnectionDomain));
}

export async function createConnection(
  db: Db,
  box: SecretBox,
  ctx: ChangeContext,
  orgId: string,
  input: NewConnection,
): Promise<Connection> {
  checkProtocol(input.protocol, input);
  if (input.protocol === 'saml' && !input.saml) throw invalid('saml', 'is required for saml connections');
  if (input.protocol === 'oidc' && !input.oidc) throw invalid('oidc', 'is required for oidc connections');
  const domains = readDomains(input.domains);
  const saml =
    input.saml &&
    ({
      ...mergeIdp(null, input.saml),
      allowSha1Signatures: input.samlOptions?.allowSha1Signatures ?? false,
      allowUnsignedAssertions: input.samlOptions?.allowUnsignedAssertions ?? false,
      nameIdFormat: input.samlOptions?.nameIdFormat ?? null,
    } satisfies SamlIdp & SamlOptions);
  const metadataUrl = input.saml?.source === 'metadata' ? input.saml.url : null;
  return db.transaction().execute(async (trx) => {
    const row = await store.insertConnection(trx, orgId, {
      id: input.id,
      protocol: input.protocol,
      provider: input.provider,
      name: input.name ?? '',
      jit: input.jit ?? true,
      allow_idp_initiated: input.allowIdpInitiated ?? false,
      attribute_mapping: mappingJson(input.attributeMapping ?? {}),
      groups_attribute: input.groupsAttribute ?? null,
      settings: settingsOf({
        saml: saml ?? null,
        oidc: input.oidc ?? null,
        clockSkewSeconds: input.clockSkewSeconds ?? defaultClockSkewSeconds,
      }),
      sealed_secrets: sealSecrets(box, input.id, input.secrets),
      metadata_url: metadataUrl,
      metadata_fetched_at: metadataUrl ? new Date() : null,
    });
    await claimDomains(trx, orgId, row.id, domains);
    if (metadataUrl) await scheduleMetadataRefresh(trx, orgId, row.id, 'success');
    const connection = await withDomains(trx, row);
    await recordAudit(trx, ctx, orgId, {
      action: 'connection.created',
      target: { type: 'connection', id: connection.id },
      after: auditSnapshot(connection),
    });
    return connection;
  });
}

export async function getConnection(db: Db, orgId: string, ref: string): Promise<Connection> {
  const row = isUuid(ref) ? await store.findConnection(db, orgId, ref.toLowerCase()) : undefined;
  if (!row) throw notFound('Connection');
  return withDomains(db, row);
}

export async function listConnections(db: Db, orgId: string, page: PageRequest): Promise<PageOf<Connection>> {
  const result = await store.listConnections(db, orgId, page);
  const domains = await store.domainsOfConnections(
    db,
    orgId,
    result.items.map((r) => r.id),
  );
  return {
    more: result.more,
    items: result.items.map((row) =>
      toConnection(row, domains.filter((d) => d.connection_id === row.id).map(toConnectionDomain)),
    ),
  };
}

async function replaceDomains(trx: Db, before: Connection, wanted: readonly string[]): Promise<void> {
  const have = before.domains.map((d) => d.domain);
  await store.deleteConnectionDomains(
    trx,
    before.orgId,
    before.id,
    have.filter((d) => !wanted.includes(d)),
  );
  await claimDomains(
    trx,
    before.orgId,
    before.id,
    wanted.filter((d) => !have.includes(d)),
  );
}

export async function updateConnection(
  db: Db,
  box: SecretBox,
  ctx: ChangeContext,
  connection: Pick<Connection, 'orgId' | 'id' | 'protocol'>,
  changes: ConnectionChanges,
): Promise<Connection> {
  checkProtocol(connection.protocol, changes);
  const domains = changes.domains === undefined ? undefined : readDomains(changes.domains);
  const updated = await db.transaction().execute(async (trx) => {
    // Locked, so two changes at once apply one after the other rather than one over the other.
    const locked = await store.findConnection(trx, connection.orgId, connection.id, { forUpdate: true });
    if (!locked) throw notFound('Connection');
    const before = await withDomains(trx, locked);
    const row = await store.updateConnection(
      trx,
      before.orgId,
      before.id,
      changedColumns(box, before, locked, changes),
    );
    if (!row) throw notFound('Connection');
    if (domains) await replaceDomains(trx, before, domains);
    if (row.metadata_url) await scheduleMetadataRefresh(trx, row.org_id, row.id, 'success');
    const after = await withDomains(trx, row);
    await recordAudit(trx, ctx, before.orgId, {
      action: 'connection.updated',
      target: { type: 'connection', id: before.id },
      before: auditSnapshot(before),
      after: {
        ...auditSnapshot(after),
        ...(changes.clientSecret !== undefined ? { secretsReplaced: ['clientSecret'] } : {}),
      },
    });
    return after;
  });
  forgetOpenedConnection(connection.id);
  return updated;
}

// Keeps each statement's arrays well inside what one bind message carries.
const chunkSize = 5_000;

/**
 * Deletes a connection. Its domains, identities, mappings and sign-ins in
 * flight go with it (foreign keys); what it granted is taken back and roles
 * recomputed; the sessions its sign-ins started end at once. Users are not
 * suspended: they may sign in through another connection or an invitation.
 */
export async function deleteConnection(db: Db, ctx: ChangeContext, connection: Connection): Promise<void> {
  await db.transaction().execute(async (trx) => {
    const held = await store.revokeConnectionGrants(trx, connection.orgId, connection.id);
    const sessionsRevoked = await store.revokeConnectionSessions(trx, connection.orgId, connection.id);
    if (!(await store.deleteConnection(trx, connection.orgId, connection.id))) throw notFound('Connection');
    for (let i = 0; i < held.length; i += chunkSize) {
      const users = held.slice(i, i + chunkSize).map((userId) => ({ userId, eventId: newId() }));
      await store.recomputeRoles(trx, connection.orgId, users, adminCause(ctx));
    }
    await recordAudit(trx, ctx, connection.orgId, {
      action: 'connection.deleted',
      target: { type: 'connection', id: connection.id },
      before: auditSnapshot(connection),
      after: { usersWithGrantsRevoked: held.length, sessionsRevoked },
    });
  });
  forgetOpenedConnection(connection.id);
}
