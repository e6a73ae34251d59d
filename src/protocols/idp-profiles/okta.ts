import { rfcDialect } from './rfc.ts';
import type { IdpProfile } from './types.ts';

// Source: Okta's SCIM 2.0 Protocol Reference (developer.okta.com/docs/api/openapi/okta-scim/guides/scim-20).
// Everything else Okta sends is RFC 7644 as written: lower-case ops, JSON booleans, quoted filters.
export const okta: IdpProfile = {
  provider: 'okta',
  name: 'Okta',
  scim: {
    ...rfcDialect,
    // "Update a specific Group name": a path-less replace whose value carries the group's id.
    echoedIdAndMeta: true,
  },
};
