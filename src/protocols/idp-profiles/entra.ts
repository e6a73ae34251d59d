import { rfcDialect } from './rfc.ts';
import type { IdpProfile } from './types.ts';

// Sources: the provisioning tutorial (learn.microsoft.com/entra/identity/app-provisioning/use-scim-to-provision-users-and-groups)
// and "Known issues and resolutions with SCIM 2.0 protocol compliance"
// (…/application-provisioning-config-problem-scim-compatibility), which shows the requests with and without
// the aadOptscim062020 flag; Muster reads both, so no flag is needed.
export const entra: IdpProfile = {
  provider: 'entra',
  name: 'Microsoft Entra ID',
  scim: {
    ...rfcDialect,
    // Known issues, without the flag: Replace active "False" / "True".
    stringBooleans: true,
    // Tutorial, the example user: `"manager": "123456"` under the enterprise URN.
    bareManagerId: true,
    // Tutorial, the request updating a user's manager: a list of one {"$ref", "value"}.
    singleComplexAsList: true,
    // Tutorial: that same request's path "manager", and department/manager at the top of a created user.
    unqualifiedExtensionAttributes: true,
    // Known issues, with the flag: one path-less replace with "name.givenName" keys.
    dottedAttributeKeys: true,
    // Known issues, with the flag: "urn:…:enterprise:2.0:User:employeeNumber" keys in that replace.
    qualifiedAttributeKeys: true,
    // Tutorial and Known issues, without the flag: "Add", "Replace", "Remove".
    anyCaseOpNames: true,
    // Known issues, without the flag: Remove of members with a value list naming the members to drop.
    removeWithValue: true,
    // Tutorial, the first handling example: GET /Users?filter=externalId eq jyoung.
    unquotedFilterStrings: true,
    // Tutorial: matching attributes must answer `emails[type eq "work"].value eq "…"`.
    valuePathSubAttribute: true,
  },
};
