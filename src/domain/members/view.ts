import type { GrantSource, OrgRole, RoleGrantRow, TeamGrantRow, UserRow } from '../../storage/index.ts';

/** Where one grant came from: its source, and the directory, connection, mapping or invitation behind it. */
export interface GrantOrigin {
  readonly source: GrantSource;
  readonly directoryId: string | null;
  readonly connectionId: string | null;
  readonly invitationId: string | null;
  readonly mapping: {
    readonly id: string;
    readonly group: { readonly key: string; readonly name: string | null };
  } | null;
  /** The audit event that recorded the grant: who, when, and the event behind it. */
  readonly eventId: string | null;
  readonly since: Date;
}

export interface Member {
  readonly id: string;
  readonly email: string;
  readonly givenName: string | null;
  readonly familyName: string | null;
  readonly displayName: string | null;
  readonly status: 'active' | 'suspended';
  readonly role: OrgRole;
  readonly rolePinned: boolean;
  /** Every source that grants the user a place in the org. */
  readonly sources: GrantSource[];
  readonly teams: {
    readonly id: string;
    readonly slug: string;
    readonly name: string;
    readonly sources: GrantSource[];
  }[];
  readonly createdAt: Date;
  readonly updatedAt: Date;
}

export interface MemberDetail extends Omit<Member, 'teams'> {
  readonly teams: {
    readonly id: string;
    readonly slug: string;
    readonly name: string;
    readonly grants: GrantOrigin[];
  }[];
  readonly roleGrants: (GrantOrigin & { readonly role: OrgRole })[];
}

export function originOf(row: TeamGrantRow | RoleGrantRow): GrantOrigin {
  const byMapping = row.mapping_id !== null;
  return {
    source: row.source,
    directoryId: row.directory_id ?? (!byMapping && row.source === 'scim' ? row.source_id : null),
    connectionId: row.connection_id ?? (!byMapping && row.source === 'sso' ? row.source_id : null),
    invitationId: row.source === 'invitation' ? row.source_id : null,
    mapping:
      row.mapping_id === null
        ? null
        : { id: row.mapping_id, group: { key: row.group_key ?? '', name: row.group_name } },
    eventId: row.event_id,
    since: row.created_at,
  };
}

const unique = <T>(items: readonly T[]) => [...new Set(items)];

function base(user: UserRow, roleGrants: readonly RoleGrantRow[], teamGrants: readonly TeamGrantRow[]) {
  return {
    id: user.id,
    email: user.email,
    givenName: user.given_name,
    familyName: user.family_name,
    displayName: user.display_name,
    status: user.status,
    role: user.role,
    rolePinned: user.role_pinned,
    sources: unique([...roleGrants.map((g) => g.source), ...teamGrants.map((g) => g.source)]).sort(),
    createdAt: user.created_at,
    updatedAt: user.updated_at,
  };
}

function byTeam(grants: readonly TeamGrantRow[]): Map<string, TeamGrantRow[]> {
  const teams = new Map<string, TeamGrantRow[]>();
  for (const grant of grants) teams.set(grant.team_id, [...(teams.get(grant.team_id) ?? []), grant]);
  return teams;
}

export function toMember(
  user: UserRow,
  roleGrants: readonly RoleGrantRow[],
  teamGrants: readonly TeamGrantRow[],
) {
  return {
    ...base(user, roleGrants, teamGrants),
    teams: [...byTeam(teamGrants).values()].map((grants) => {
      const first = grants[0] as TeamGrantRow;
      return {
        id: first.team_id,
        slug: first.team_slug,
        name: first.team_name,
        sources: unique(grants.map((g) => g.source)).sort(),
      };
    }),
  } satisfies Member;
}

export function toMemberDetail(
  user: UserRow,
  roleGrants: readonly RoleGrantRow[],
  teamGrants: readonly TeamGrantRow[],
): MemberDetail {
  return {
    ...base(user, roleGrants, teamGrants),
    teams: [...byTeam(teamGrants).values()].map((grants) => {
      const first = grants[0] as TeamGrantRow;
      return {
        id: first.team_id,
        slug: first.team_slug,
        name: first.team_name,
        grants: grants.map(originOf),
      };
    }),
    roleGrants: roleGrants.map((g) => ({ ...originOf(g), role: g.role })),
  };
}
