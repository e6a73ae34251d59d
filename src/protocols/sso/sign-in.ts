import { type Request, type Response, Router } from 'express';
import { findOrg } from '../../domain/orgs/index.ts';
import {
  type AuthenticatedSession,
  idpSessionOf,
  type SigningKeys,
  startSession,
} from '../../domain/sessions/index.ts';
import {
  type LoginInFlight,
  type LoginPurpose,
  provisionSignIn,
  recordTestSignIn,
  type VouchedSignIn,
} from '../../domain/signin/index.ts';
import {
  connectionChoice,
  connectionForDomain,
  connectionsOfOrg,
  flagConnectionHealth,
  type OidcSignInConnection,
  oidcConnectionFor,
  type SamlSignInConnection,
  samlConnectionFor,
} from '../../domain/sources/index.ts';
import { MusterError } from '../../errors.ts';
import type { SecretBox } from '../../infra/crypto/index.ts';
import type { Db } from '../../storage/index.ts';
import { renderHtmlError, requestIdOf, systemChangeOf } from '../http/index.ts';
import {
  IssuerCache,
  isOidcError,
  type LoadedOidcConnection,
  type OidcConnection,
  type OidcNetwork,
  type OidcSignInDeps,
  oidcSignInRouter,
  startOidcLogin,
} from '../oidc/index.ts';
import {
  type LoadedSamlConnection,
  type SamlConnection,
  type SamlSignInDeps,
  samlSignInRouter,
  startSamlLogin,
  startSamlLogout,
} from '../saml/index.ts';
import { completeSignIn } from './complete.ts';
import { type LoginDeps, type LoginQuery, type LoginTarget, ssoLoginRouter } from './login.ts';
import { safeReturnTo } from './return-to.ts';

export interface SignInDeps {
  readonly db: Db;
  readonly publicUrl: string;
  readonly secretBox: SecretBox;
  readonly keys: SigningKeys;
  /** How OpenID Providers are reached (resolver, loopback issuers allowed or not). */
  readonly network: OidcNetwork;
}

/** The protocol's view of a connection the domain opened. */
function samlView(c: SamlSignInConnection): SamlConnection {
  return {
    id: c.id,
    provider: c.provider,
    idp: c.idp,
    sp: c.sp,
    emailDomains: c.emailDomains,
    ...(c.attributeMapping ? { attributeMapping: c.attributeMapping } : {}),
    ...(c.groupsAttribute ? { groupsAttribute: c.groupsAttribute } : {}),
    ...(c.nameIdFormat ? { nameIdFormat: c.nameIdFormat } : {}),
    allowIdpInitiated: c.allowIdpInitiated,
    allowSha1Signatures: c.allowSha1Signatures,
    allowUnsignedAssertions: c.allowUnsignedAssertions,
    clockSkewSeconds: c.clockSkewSeconds,
  };
}

/** The protocol's view of an OIDC connection; undefined when its auth method lacks its secret or key. */
function oidcView(c: OidcSignInConnection): OidcConnection | undefined {
  const clientAuth =
    c.tokenEndpointAuthMethod === 'private_key_jwt'
      ? c.clientKey && { method: c.tokenEndpointAuthMethod, key: c.clientKey }
      : c.clientSecret !== null
        ? { method: c.tokenEndpointAuthMethod, secret: c.clientSecret }
        : undefined;
  if (!clientAuth) return undefined;
  return {
    id: c.id,
    provider: c.provider,
    issuer: c.issuer,
    clientId: c.clientId,
    clientAuth,
    redirectUri: c.redirectUri,
    scopes: c.scopes ?? undefined,
    emailDomains: c.emailDomains,
    attributeMapping: c.attributeMapping,
    groupsAttribute: c.groupsAttribute,
    clockSkewSeconds: c.clockSkewSeconds,
  };
}

/**
 * Orgs' app URLs read in the last second: each sign-in judges its return
 * target against them, and a busy ACS would read them for every one. A
 * change reaches sign-ins within a second.
 */
function recentAppUrls(db: Db): (orgId: string) => Promise<readonly string[]> {
  const read = new Map<string, { urls: readonly string[]; until: number }>();
  return async (orgId) => {
    const now = Date.now();
    const cached = read.get(orgId);
    if (cached && cached.until > now) return cached.urls;
    const urls = (await findOrg(db, orgId))?.appUrls ?? [];
    if (read.size >= 1_000) read.clear();
    read.set(orgId, { urls, until: now + 1_000 });
    return urls;
  };
}

/** Who either protocol vouched for, the answer checked, and the sign-in it answers. */
interface SignedIn extends VouchedSignIn {
  readonly sessionIndex: string | null;
  readonly returnTo: string | null;
  readonly purpose: LoginPurpose;
  readonly attributes: Readonly<Record<string, readonly string[]>>;
}

/** The SAML and OIDC flows' view of Muster: connections opened, sessions started, return targets judged. */
export function signInFlows(deps: SignInDeps) {
  const { db, publicUrl } = deps;
  const opened = { secretBox: deps.secretBox, publicUrl };
  const appUrlsOf = recentAppUrls(db);
  const allowedReturnTo = async (orgId: string, value: string) =>
    safeReturnTo(value, { publicUrl, appUrls: await appUrlsOf(orgId) });
  // A test goes back to where it began, a page of Muster's own; nothing else is followed.
  const backToTest = (res: Response, returnTo: string | null) => {
    res.setHeader('Cache-Control', 'no-store');
    res.redirect(303, safeReturnTo(returnTo, { publicUrl, appUrls: [] }) ?? `${publicUrl}/`);
  };
  /**
   * The one place a person the IdP vouched for enters Muster: provisioned
   * and signed in, or, answering a test, recorded as it arrived, with no
   * user, link, membership or session made.
   */
  const finishSignIn = async (_req: Request, res: Response, person: SignedIn) => {
    if (person.purpose === 'test') {
      await recordTestSignIn(db, person.orgId, person.connectionId, {
        outcome: 'succeeded',
        subject: person.subject,
        email: person.email,
        attributes: person.attributes,
        groups: person.groups,
        groupsTruncated: person.groupsTruncated,
      });
      backToTest(res, person.returnTo);
      return;
    }
    let signedIn: { readonly userId: string; readonly loginId: string };
    try {
      signedIn = await provisionSignIn(db, systemChangeOf(res), person);
    } catch (error) {
      if (error instanceof MusterError) {
        renderHtmlError(res, error);
        return;
      }
      throw error;
    }
    const ctx = { actor: { type: 'user' as const, id: signedIn.userId }, requestId: requestIdOf(res) };
    const session = await startSession(
      db,
      deps.keys,
      {
        orgId: person.orgId,
        userId: signedIn.userId,
        connectionId: person.connectionId,
        loginId: signedIn.loginId,
        idpSessionIndex: person.sessionIndex ?? undefined,
      },
      ctx,
    );
    completeSignIn(
      res,
      { publicUrl, keys: deps.keys },
      { session, returnTo: person.returnTo, appUrls: await appUrlsOf(person.orgId) },
    );
  };
  const failTestSignIn = async (res: Response, login: LoginInFlight, error: MusterError) => {
    await recordTestSignIn(db, login.orgId, login.connectionId, { outcome: 'failed', error: error.message });
    backToTest(res, login.returnTo);
  };
  const oidc: OidcSignInDeps = {
    db,
    publicUrl,
    secretBox: deps.secretBox,
    issuers: new IssuerCache(deps.network),
    async loadConnection(id: string): Promise<LoadedOidcConnection | undefined> {
      const connection = await oidcConnectionFor(db, opened, id);
      const view = connection && oidcView(connection);
      return (
        connection &&
        view && {
          orgId: connection.orgId,
          oidc: view,
          jit: connection.jit,
          domains: connection.domains,
          clientCertificate: connection.clientKey?.certificate ?? null,
        }
      );
    },
    finishSignIn,
    failTestSignIn,
  };
  const loadConnection = async (id: string): Promise<LoadedSamlConnection | undefined> => {
    const connection = await samlConnectionFor(db, opened, id);
    return (
      connection && {
        orgId: connection.orgId,
        saml: samlView(connection),
        jit: connection.jit,
        domains: connection.domains,
      }
    );
  };
  const saml: SamlSignInDeps = {
    db,
    publicUrl,
    loadConnection,
    allowedReturnTo,
    finishSignIn,
    failTestSignIn,
  };
  return { deps, saml, oidc, opened };
}

/** The flows of both protocols, built once per app: their caches (discovery, app URLs) are shared. */
export type SignInFlows = ReturnType<typeof signInFlows>;

/**
 * After /sso/logout ended a session from a SAML connection, the URL of the
 * IdP's Single Logout with a signed LogoutRequest, if the IdP has one.
 */
export function samlSingleLogout(flows: SignInFlows) {
  const { deps, saml } = flows;
  return async (session: AuthenticatedSession, returnTo: string): Promise<string | undefined> => {
    const idp = await idpSessionOf(deps.db, session);
    const connection = idp && (await saml.loadConnection(idp.connectionId));
    if (!idp || !connection) return undefined;
    return startSamlLogout(saml, connection, {
      subject: idp.subject,
      sessionIndex: session.idpSessionIndex,
      returnTo,
    });
  };
}

/**
 * The browser's way in: `/sso/login` (home realm discovery) and each
 * protocol's endpoints, composed from the connections, sessions and orgs of
 * the domain. A sign-in ends in a session cookie and a redirect to an
 * allowed return target.
 */
export function signInRouter(flows: SignInFlows): Router {
  const { deps, saml, oidc } = flows;
  const { db } = deps;

  const findLoginTarget = async (query: LoginQuery): Promise<LoginTarget | undefined> => {
    if ('email' in query) return connectionForDomain(db, query.email);
    if ('org' in query) {
      const org = await findOrg(db, query.org);
      // Of several connections, the oldest: a sign-in by email picks among them by domain.
      return org ? (await connectionsOfOrg(db, org.id, 1))[0] : undefined;
    }
    return connectionChoice(db, query.connection);
  };

  const login: LoginDeps = {
    findLoginTarget,
    allowedReturnTo: saml.allowedReturnTo,
    async start(_req, res, target, returnTo) {
      const unusable = new MusterError('not_found', 'This sign-in connection cannot be used yet');
      if (target.protocol === 'saml') {
        const connection = await saml.loadConnection(target.connectionId);
        if (connection) await startSamlLogin(saml, res, connection, returnTo);
        else renderHtmlError(res, unusable);
        return;
      }
      const connection = await oidc.loadConnection(target.connectionId);
      if (!connection) {
        renderHtmlError(res, unusable);
        return;
      }
      try {
        await startOidcLogin(oidc, res, connection, returnTo);
      } catch (error) {
        // The IdP's discovery could not be read: a page that says so, never a stack.
        if (!isOidcError(error)) throw error;
        if (error.reason === 'oidc_idp_unavailable')
          await flagConnectionHealth(db, connection.orgId, target.connectionId, {
            idpUnavailable: { at: new Date().toISOString(), message: error.message },
          });
        renderHtmlError(res, error);
      }
    },
  };

  const router = Router();
  router.use(ssoLoginRouter(login));
  router.use(samlSignInRouter(saml));
  router.use(oidcSignInRouter(oidc));
  return router;
}
