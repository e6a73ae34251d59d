import type { z } from 'zod';
import type { ChangeContext } from '../../domain/audit/index.ts';
import type { Org } from '../../domain/orgs/index.ts';
import type { ScimRequestLog } from '../../domain/sources/index.ts';
import type { WebhookNetwork } from '../../domain/webhooks/index.ts';
import type { SecretBox } from '../../infra/crypto/index.ts';
import type { DnsResolver } from '../../infra/dns/index.ts';
import type { Db } from '../../storage/index.ts';
import type { Principal } from '../http/index.ts';

export interface AdminApiDeps {
  readonly db: Db;
  /** Where IdPs reach Muster: the base of SCIM URLs and SSO endpoints. */
  readonly publicUrl: string;
  /** Flushed before the log is read, so an admin sees every finished request. */
  readonly scimRequestLog: ScimRequestLog;
  /** SSO connections: sealing their secrets, reading IdP metadata URLs, looking domains up in DNS. */
  readonly sso: ConnectionTools;
  /** Webhooks: what their URLs may reach (WEBHOOK_ALLOW_PRIVATE_NETWORKS). */
  readonly webhooks: WebhookNetwork;
}

export interface ConnectionTools {
  readonly secretBox: SecretBox;
  readonly dns: DnsResolver;
  /** ALLOW_INSECURE_LOOPBACK_ISSUERS: plain http to 127.0.0.1/localhost for metadata URLs and issuers. */
  readonly allowInsecureLoopback: boolean;
}

interface BaseInput<B, Q> {
  readonly body: B;
  readonly query: Q;
  readonly params: Readonly<Record<string, string>>;
  readonly principal: Principal;
  readonly ctx: ChangeContext;
  readonly deps: AdminApiDeps;
}

export interface OrgInput<B, Q> extends BaseInput<B, Q> {
  readonly org: Org;
}

type Schema = z.ZodType;
type Out<S> = S extends z.ZodType ? z.output<S> : undefined;

/**
 * One admin API operation: its path, who may call it, what it takes and
 * what it answers. The router, request and response validation and the
 * OpenAPI document are all made from these declarations.
 */
export interface Operation<
  B extends Schema | undefined,
  Q extends Schema | undefined,
  R extends Schema | undefined,
> {
  readonly method: 'get' | 'post' | 'patch' | 'delete';
  /** OpenAPI style: `/orgs/{org}/teams/{team}`. */
  readonly path: string;
  readonly summary: string;
  readonly tag: string;
  /** `super_admin`: ADMIN_TOKEN only. `org`: the org's own keys too; the path starts with /orgs/{org}. */
  readonly access: 'super_admin' | 'org';
  readonly body?: B;
  readonly query?: Q;
  readonly status: 200 | 201 | 202 | 204;
  /** Whether it answers 422 for input naming something that does not exist (documented in OpenAPI). */
  readonly unprocessable?: boolean;
  readonly response?: R;
  readonly handle: (input: OrgInput<Out<B>, Out<Q>>) => Promise<Out<R>>;
  /** For 201: the path of what was created, below /api/v1, sent as Location. */
  readonly location?: (result: Out<R>, input: OrgInput<Out<B>, Out<Q>>) => string;
}

// biome-ignore lint/suspicious/noExplicitAny: a list of operations of every shape, each checked where it is declared.
export type AnyOperation = Operation<any, any, any>;

export function operation<
  B extends Schema | undefined = undefined,
  Q extends Schema | undefined = undefined,
  R extends Schema | undefined = undefined,
>(spec: Operation<B, Q, R>): AnyOperation {
  return spec;
}
