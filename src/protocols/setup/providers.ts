import type { DirectoryProvider } from '../../domain/sources/index.ts';
import type { SafeHtml } from '../http/index.ts';

/** The IdPs the portal guides through, in the order it offers them; `generic` is any other. */
export const portalProviders: readonly DirectoryProvider[] = [
  'entra',
  'okta',
  'jumpcloud',
  'keycloak',
  'generic',
];

/** Each IdP as its administrators call it. */
export const providerNames: Readonly<Record<DirectoryProvider, string>> = {
  entra: 'Microsoft Entra ID',
  okta: 'Okta',
  jumpcloud: 'JumpCloud',
  keycloak: 'Keycloak',
  generic: 'another identity provider',
};

/** One value the IT admin pastes into the IdP: the IdP's name for the field, and Muster's. */
export interface PastedValue {
  /** The form field's id on the page. */
  readonly id: string;
  /** The field as the IdP's console names it. */
  readonly label: string;
  /** What Muster calls it, for an IdP that names it differently. */
  readonly muster: string;
  readonly value: string;
  readonly note?: string;
}

/** What the portal tells the IT admin for one IdP and one of SAML, OIDC or SCIM. */
export interface Guide {
  /** The steps in the IdP's console, in order, naming its menus and fields. */
  readonly steps: SafeHtml;
  readonly values: readonly PastedValue[];
  /** Where the IdP shows what Muster needs back (SAML metadata; the OIDC issuer, client id and secret). */
  readonly fromIdp?: SafeHtml;
  /** What is left to do in the IdP once Muster's side is active. */
  readonly after?: SafeHtml;
}

/** The name a connection or directory made through the portal gets: the IdP's. */
export function sourceName(provider: DirectoryProvider, kind: 'saml' | 'oidc' | 'scim'): string {
  if (provider !== 'generic') return providerNames[provider];
  return kind === 'saml' ? 'SAML identity provider' : kind === 'oidc' ? 'OpenID Provider' : 'SCIM client';
}
