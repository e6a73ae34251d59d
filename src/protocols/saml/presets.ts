import { nameIdFormats } from './names.ts';
import type { SamlConnection, SamlProvider } from './types.ts';

/**
 * What one IdP product asserts by default: the NameID format to ask for and
 * the attribute names of each claim. Where a product lets administrators
 * name attributes, the list holds the names its setup guides use, first
 * match wins; a connection's `attributeMapping` and `groupsAttribute`
 * replace a list with one name.
 */
export interface SamlPreset {
  readonly provider: SamlProvider;
  readonly nameIdFormat: string;
  readonly email: readonly string[];
  readonly firstName: readonly string[];
  readonly lastName: readonly string[];
  readonly displayName: readonly string[];
  readonly groups: readonly string[];
  /** An attribute whose presence means the IdP left groups out of the assertion. */
  readonly groupsOverage: string | null;
}

const claims = 'http://schemas.xmlsoap.org/ws/2005/05/identity/claims';

// Entra: "SAML token claims reference" (learn.microsoft.com/entra/identity-platform/reference-saml-tokens).
// Past 150 groups the groups claim is left out and groups.link, pointing at Graph, is sent instead.
const entra: SamlPreset = {
  provider: 'entra',
  nameIdFormat: nameIdFormats.emailAddress,
  email: [`${claims}/emailaddress`],
  firstName: [`${claims}/givenname`],
  lastName: [`${claims}/surname`],
  displayName: ['http://schemas.microsoft.com/identity/claims/displayname'],
  groups: ['http://schemas.microsoft.com/ws/2008/06/identity/claims/groups'],
  groupsOverage: 'http://schemas.microsoft.com/claims/groups.link',
};

// Okta: attribute statements are named by the administrator; its SAML app guides use email, firstName,
// lastName, and a group attribute statement named groups.
const okta: SamlPreset = {
  provider: 'okta',
  nameIdFormat: nameIdFormats.emailAddress,
  email: ['email'],
  firstName: ['firstName'],
  lastName: ['lastName'],
  displayName: ['displayName'],
  groups: ['groups'],
  groupsOverage: null,
};

// JumpCloud: user attributes are mapped by the administrator (its own property names are firstname and
// lastname); the group attribute, when included, is named by the administrator too, usually memberOf.
const jumpcloud: SamlPreset = {
  provider: 'jumpcloud',
  nameIdFormat: nameIdFormats.emailAddress,
  email: ['email'],
  firstName: ['firstName', 'firstname'],
  lastName: ['lastName', 'lastname'],
  displayName: ['displayName', 'displayname'],
  groups: ['groups', 'memberOf'],
  groupsOverage: null,
};

// Keycloak: the built-in "X500 email/givenName/surname" mappers send OID names (friendly names email,
// givenName, surname); user property mappers are often renamed to the plain names; the "role list"
// mapper sends Role, the group list mapper is usually named groups (its default is member).
const keycloak: SamlPreset = {
  provider: 'keycloak',
  nameIdFormat: nameIdFormats.emailAddress,
  email: ['email', 'urn:oid:1.2.840.113549.1.9.1'],
  firstName: ['givenName', 'firstName', 'urn:oid:2.5.4.42'],
  lastName: ['surname', 'lastName', 'urn:oid:2.5.4.4'],
  displayName: ['displayName'],
  groups: ['groups', 'member', 'Role'],
  groupsOverage: null,
};

// Any other IdP: the common plain names, and the IdP's choice of NameID format.
const generic: SamlPreset = {
  provider: 'generic',
  nameIdFormat: nameIdFormats.unspecified,
  email: ['email', 'mail', `${claims}/emailaddress`, 'urn:oid:0.9.2342.19200300.100.1.3'],
  firstName: ['firstName', 'givenName', `${claims}/givenname`, 'urn:oid:2.5.4.42'],
  lastName: ['lastName', 'surname', 'sn', `${claims}/surname`, 'urn:oid:2.5.4.4'],
  displayName: ['displayName', 'http://schemas.microsoft.com/identity/claims/displayname'],
  groups: ['groups', 'memberOf'],
  groupsOverage: null,
};

/** One preset per provider; adding a provider fails to compile until it has one. */
export const samlPresets: Readonly<Record<SamlProvider, SamlPreset>> = {
  entra,
  okta,
  jumpcloud,
  keycloak,
  generic,
};

/** The attribute names a connection reads: its preset, with its own overrides in front. */
export function effectivePreset(connection: SamlConnection): SamlPreset {
  const preset = samlPresets[connection.provider];
  const mapping = connection.attributeMapping ?? {};
  const one = (name: string | undefined, names: readonly string[]) => (name ? [name] : names);
  return {
    ...preset,
    nameIdFormat: connection.nameIdFormat ?? preset.nameIdFormat,
    email: one(mapping.email, preset.email),
    firstName: one(mapping.firstName, preset.firstName),
    lastName: one(mapping.lastName, preset.lastName),
    displayName: one(mapping.displayName, preset.displayName),
    groups: one(connection.groupsAttribute, preset.groups),
  };
}
