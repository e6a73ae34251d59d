import { baselineDialect } from './baseline.ts';
import type { IdpProfile } from './types.ts';

// Source: "Identity Management using a Custom SCIM Integration" (jumpcloud.com/support). JumpCloud prints
// no request bodies; its user and group writes are the RFC 7644 forms of the attributes it lists. Its one
// reported habit, removing group members with a value list, is read from every IdP (see ScimDialect).
export const jumpcloud: IdpProfile = {
  provider: 'jumpcloud',
  name: 'JumpCloud',
  scim: baselineDialect,
};
