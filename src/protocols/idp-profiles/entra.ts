import { baselineDialect } from './baseline.ts';
import type { IdpProfile } from './types.ts';

// Sources: the provisioning tutorial (learn.microsoft.com/entra/identity/app-provisioning/use-scim-to-provision-users-and-groups)
// and "Known issues and resolutions with SCIM 2.0 protocol compliance"
// (…/application-provisioning-config-problem-scim-compatibility), which shows the requests with and without
// the aadOptscim062020 flag; Muster reads both, so no flag is needed.
// Entra's other forms are read from every IdP (see ScimDialect): "Add"/"Replace"/"Remove", "name.givenName" and
// URN-qualified keys in a path-less replace, a bare manager id, enterprise attributes without their URN (the
// tutorial's path "manager", department/manager at the top of a created user), member removal by a value
// list, and `emails[type eq "work"].value eq "…"` filters.
export const entra: IdpProfile = {
  provider: 'entra',
  name: 'Microsoft Entra ID',
  scim: {
    ...baselineDialect,
    // Known issues, without the flag: Replace active "False" / "True".
    stringBooleans: true,
    // Tutorial, the request updating a user's manager: a list of one {"$ref", "value"}.
    singleComplexAsList: true,
    // Tutorial, the first handling example: GET /Users?filter=externalId eq jyoung.
    unquotedFilterStrings: true,
  },
};
