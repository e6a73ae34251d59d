import { baselineDialect } from './baseline.ts';
import type { IdpProfile } from './types.ts';

// Source: the keycloak-scim extension (libre.sh; mitodl/keycloak-scim, pelotech/keycloak-scim), whose
// requests are built in its UserAdapter and GroupAdapter.
export const keycloak: IdpProfile = {
  provider: 'keycloak',
  name: 'Keycloak (keycloak-scim)',
  scim: {
    ...baselineDialect,
    // UserAdapter.toPatchBuilder, with user-patchOp on: replace of active with active.toString(), "true"/"false".
    stringBooleans: true,
  },
};
