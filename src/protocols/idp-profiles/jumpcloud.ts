import { rfcDialect } from './rfc.ts';
import type { IdpProfile } from './types.ts';

// Source: "Identity Management using a Custom SCIM Integration" (jumpcloud.com/support). JumpCloud prints
// no request bodies; its user and group writes are the RFC 7644 forms of the attributes it lists.
export const jumpcloud: IdpProfile = {
  provider: 'jumpcloud',
  name: 'JumpCloud',
  scim: {
    ...rfcDialect,
    // Group sync removes members with a value list, as Entra does (reported by service providers'
    // JumpCloud guides); without it a removal would be refused and the member kept.
    removeWithValue: true,
  },
};
