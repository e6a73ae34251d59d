import type { DirectoryProvider } from '../../domain/sources/index.ts';
import { entra } from './entra.ts';
import { generic } from './generic.ts';
import { jumpcloud } from './jumpcloud.ts';
import { keycloak } from './keycloak.ts';
import { okta } from './okta.ts';
import type { IdpProfile, ScimDialect } from './types.ts';

export { baselineDialect } from './baseline.ts';
export type { IdpProfile, Leniency, ScimDialect } from './types.ts';

/** One profile per provider; a provider added to the domain fails to compile until it has one. */
export const idpProfiles: Readonly<Record<DirectoryProvider, IdpProfile>> = {
  entra,
  okta,
  jumpcloud,
  keycloak,
  generic,
};

export function idpProfileOf(provider: DirectoryProvider): IdpProfile {
  return idpProfiles[provider];
}

/** The SCIM forms a directory of this provider accepts beyond what every directory reads. */
export function scimDialectOf(provider: DirectoryProvider): ScimDialect {
  return idpProfiles[provider].scim;
}
