import type { OidcProvider } from './types.ts';

/**
 * What one IdP product sends over OpenID Connect by default: the scopes to
 * ask, the claim names of each field (first match wins) and how it vouches
 * for an email address. A connection's `scopes`, `attributeMapping` and
 * `groupsAttribute` replace a list with their own.
 */
export interface OidcPreset {
  readonly provider: OidcProvider;
  /** openid, profile and email always; the rest only where the IdP's discovery lists them. */
  readonly scopes: readonly string[];
  readonly email: readonly string[];
  readonly firstName: readonly string[];
  readonly lastName: readonly string[];
  readonly displayName: readonly string[];
  readonly groups: readonly string[];
  /**
   * `claim`: only `email_verified: true` vouches for the email. `tenant`:
   * the IdP sends no `email_verified`, and the email is the tenant's own
   * attribute, issued under the tenant's own issuer (Entra ID); an explicit
   * `email_verified: false` still refuses.
   */
  readonly emailVerification: 'claim' | 'tenant';
}

const base = {
  scopes: ['openid', 'profile', 'email'],
  email: ['email'],
  firstName: ['given_name'],
  lastName: ['family_name'],
  displayName: ['name'],
  groups: ['groups'],
  emailVerification: 'claim',
} as const;

// Entra: groups (object ids) come by the app registration's token configuration, not by a scope;
// past 200 groups the token carries _claim_names/_claim_sources instead. No email_verified is sent.
const entra: OidcPreset = { ...base, provider: 'entra', emailVerification: 'tenant' };

// Okta: the org authorization server's `groups` scope, with the app's groups claim filter. A custom
// authorization server has no such scope unless added: scopes past the first three are asked only
// where the discovery document lists them.
const okta: OidcPreset = { ...base, provider: 'okta', scopes: [...base.scopes, 'groups'] };

// Keycloak: a Group Membership mapper named `groups`, with full paths (/eng/platform) by default.
const keycloak: OidcPreset = { ...base, provider: 'keycloak' };

// JumpCloud: the SSO app's "include group attribute", named by the admin (its guides: groups, memberOf);
// one group comes as a string. It has no groups scope.
const jumpcloud: OidcPreset = { ...base, provider: 'jumpcloud', groups: ['groups', 'memberOf'] };

const generic: OidcPreset = { ...base, provider: 'generic' };

export const oidcPresets: Readonly<Record<OidcProvider, OidcPreset>> = {
  entra,
  okta,
  keycloak,
  jumpcloud,
  generic,
};
