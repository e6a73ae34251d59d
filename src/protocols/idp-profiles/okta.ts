import { baselineDialect } from './baseline.ts';
import type { IdpProfile } from './types.ts';

// Source: Okta's SCIM 2.0 Protocol Reference (developer.okta.com/docs/api/openapi/okta-scim/guides/scim-20).
// Everything Okta sends is read from every IdP: lower-case ops, JSON booleans, quoted filters, and a group
// rename whose path-less replace echoes the group's id ("Update a specific Group name"; see ScimDialect).
export const okta: IdpProfile = {
  provider: 'okta',
  name: 'Okta',
  scim: baselineDialect,
};
