import type { Db, OrgRole } from '../../storage/index.ts';
import * as store from '../../storage/index.ts';
import type { AuthenticatedSession } from './sessions.ts';
import { SessionRejected } from './sessions.ts';

/** Who a session is: what /api/v1/me answers. */
export interface SessionProfile {
  readonly user: {
    readonly id: string;
    readonly email: string;
    readonly givenName: string | null;
    readonly familyName: string | null;
    readonly displayName: string | null;
  };
  readonly org: { readonly id: string; readonly name: string; readonly slug: string };
  readonly role: OrgRole;
  readonly teams: readonly { readonly id: string; readonly slug: string; readonly name: string }[];
}

export async function sessionProfile(db: Db, session: AuthenticatedSession): Promise<SessionProfile> {
  const user = await store.findMember(db, session.orgId, session.userId);
  const org = await store.findOrg(db, { id: session.orgId });
  // Removed between authentication and now: the cascade took the session too.
  if (!user || !org) throw new SessionRejected('no_session', 'The session does not exist');
  const teams = await store.teamsOfUser(db, session.orgId, session.userId);
  return {
    user: {
      id: user.id,
      email: user.email,
      givenName: user.given_name,
      familyName: user.family_name,
      displayName: user.display_name,
    },
    org: { id: org.id, name: org.name, slug: org.slug },
    role: user.role,
    teams,
  };
}
