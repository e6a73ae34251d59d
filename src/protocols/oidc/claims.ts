import { OidcError } from './errors.ts';
import { oidcPresets } from './presets.ts';
import type { OidcClaims, OidcConnection } from './types.ts';

type Claims = Readonly<Record<string, unknown>>;

const maxGroups = 5_000;

function firstText(claims: Claims, names: readonly string[]): string | null {
  for (const name of names) {
    const value = claims[name];
    if (typeof value === 'string' && value.trim().length > 0) return value.trim().slice(0, 400);
  }
  return null;
}

function groupsOf(claims: Claims, names: readonly string[]): string[] | null {
  for (const name of names) {
    const value = claims[name];
    if (typeof value === 'string') return [value];
    if (Array.isArray(value))
      return value
        .filter((v): v is string => typeof v === 'string' && v.length > 0 && v.length <= 400)
        .slice(0, maxGroups);
  }
  return null;
}

/** Entra's overage: the groups claim is named in `_claim_names` (a source to fetch) instead of sent, or `hasgroups` says so. */
function groupsLeftOut(claims: Claims, names: readonly string[]): boolean {
  const named = claims._claim_names;
  if (named && typeof named === 'object' && names.some((n) => n in named)) return true;
  return claims.hasgroups === true || claims.hasgroups === 'true';
}

const isTrue = (value: unknown) => value === true || value === 'true';
const isFalse = (value: unknown) => value === false || value === 'false';

/**
 * Who signed in, from the ID token's claims and the userinfo answer (whose
 * claims fill what the token lacks; the email and whether it is verified
 * come from the same one). Refuses an email the IdP does not vouch for, or
 * one outside the connection's domains: an unverified email never signs
 * anyone in, creates or links an account.
 */
export function readOidcClaims(
  connection: OidcConnection,
  idToken: Claims,
  userinfo: Claims | null,
): OidcClaims {
  const preset = oidcPresets[connection.provider];
  const mapping = connection.attributeMapping ?? {};
  const names = (given: string | undefined, preset: readonly string[]) => (given ? [given] : preset);
  const emailNames = names(mapping.email, preset.email);
  const merged: Claims = { ...(userinfo ?? {}), ...idToken };
  const emailSource = firstText(idToken, emailNames) !== null || !userinfo ? idToken : userinfo;
  const email = firstText(emailSource, emailNames)?.toLowerCase() ?? null;
  if (!email?.includes('@'))
    throw new OidcError('oidc_email_missing', 'The identity provider sent no email address for this person');
  const verified = emailSource.email_verified;
  const vouched =
    preset.emailVerification === 'claim'
      ? isTrue(verified)
      : !isFalse(verified) && !isFalse(emailSource.xms_edov);
  if (!vouched)
    throw new OidcError(
      'oidc_email_unverified',
      `The identity provider does not say that ${email} is verified, so it cannot sign anyone in`,
    );
  const domain = email.slice(email.lastIndexOf('@') + 1);
  if (!connection.emailDomains.includes(domain))
    throw new OidcError(
      'oidc_email_outside_domains',
      `${email} is not at a domain of this sign-in connection`,
    );
  const groupNames = connection.groupsAttribute ? [connection.groupsAttribute] : preset.groups;
  const groups = groupsOf(merged, groupNames);
  return {
    subject: String(idToken.sub),
    email,
    firstName: firstText(merged, names(mapping.firstName, preset.firstName)),
    lastName: firstText(merged, names(mapping.lastName, preset.lastName)),
    displayName: firstText(merged, names(mapping.displayName, preset.displayName)),
    groups: groups ?? [],
    groupsTruncated: groups === null && groupsLeftOut(merged, groupNames),
  };
}

/**
 * Claims that prove or bind a sign-in rather than describe the person
 * (nonce, token hashes) and tokens anywhere inside a claim (a distributed
 * claim's source may carry an access token): never kept.
 */
const secretClaims = new Set([
  'nonce',
  'at_hash',
  'c_hash',
  's_hash',
  'access_token',
  'refresh_token',
  'id_token',
]);

function claimText(value: unknown): string[] {
  if (value === null || value === undefined) return [];
  if (typeof value === 'string') return [value];
  if (typeof value === 'number' || typeof value === 'boolean') return [String(value)];
  if (Array.isArray(value))
    return value.flatMap((v) => (Array.isArray(v) ? [JSON.stringify(v)] : claimText(v)));
  return [JSON.stringify(value, (key, v: unknown) => (secretClaims.has(key) ? undefined : v))];
}

/** Every claim of the ID token and userinfo (the token's win), values as text, secrets left out. */
export function claimsAsText(idToken: Claims, userinfo: Claims | null): Record<string, string[]> {
  const out: Record<string, string[]> = {};
  for (const [name, value] of Object.entries({ ...(userinfo ?? {}), ...idToken })) {
    if (!secretClaims.has(name)) out[name] = claimText(value);
  }
  return out;
}
