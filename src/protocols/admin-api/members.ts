import { z } from 'zod';
import {
  explainMembership,
  getMember,
  listMembers,
  removeMember,
  updateMember,
} from '../../domain/members/index.ts';
import { MusterError } from '../../errors.ts';
import { type OrgInput, operation } from './operation.ts';
import { id, isoDate, pageOf, pageQuery, singleLine, toPageBody } from './schemas.ts';

const sources = ['scim', 'sso', 'invitation', 'manual'] as const;
const source = z.enum(sources);

const memberFields = {
  id,
  email: z.string(),
  givenName: z.string().nullable(),
  familyName: z.string().nullable(),
  displayName: z.string().nullable(),
  status: z.enum(['active', 'suspended']),
  role: z.enum(['owner', 'admin', 'member']),
  rolePinned: z.boolean().meta({ description: 'Whether the manual role overrides every other grant' }),
  sources: z.array(source).meta({ description: 'Every source that grants the member a place in the org' }),
  createdAt: isoDate,
  updatedAt: isoDate,
};

const memberSchema = z
  .object({
    ...memberFields,
    teams: z.array(z.object({ id, slug: z.string(), name: z.string(), sources: z.array(source) })),
  })
  .meta({ id: 'Member' });

const originSchema = z
  .object({
    source,
    directoryId: id.nullable(),
    connectionId: id.nullable(),
    invitationId: z.string().nullable(),
    mapping: z
      .object({ id, group: z.object({ key: z.string(), name: z.string().nullable() }) })
      .nullable()
      .meta({ description: 'The group mapping that made the grant, if one did' }),
    eventId: id.nullable().meta({ description: 'The audit event that recorded the grant' }),
    since: isoDate,
  })
  .meta({ id: 'GrantOrigin' });

const memberDetailSchema = z
  .object({
    ...memberFields,
    teams: z.array(z.object({ id, slug: z.string(), name: z.string(), grants: z.array(originSchema) })),
    roleGrants: z.array(originSchema.extend({ role: z.string() })),
  })
  .meta({ id: 'MemberDetail' });

const causeEventSchema = z.object({
  eventId: id,
  action: z.string(),
  actor: z.object({ type: z.string(), id: z.string().nullable() }),
  requestId: z.string().nullable(),
  cause: z.unknown().meta({
    description: '{type: scim_request | login | mapping | admin, id}: the event that set the change off',
  }),
  at: isoDate,
});

const explanationSchema = z
  .object({
    user: z.object({ id, email: z.string() }),
    team: z.object({ id, slug: z.string(), name: z.string() }),
    member: z.boolean(),
    grants: z.array(originSchema.extend({ grantedBy: causeEventSchema.nullable() })),
    history: z.array(causeEventSchema.extend({ source: z.unknown(), mappingId: z.unknown() })),
  })
  .meta({ id: 'MembershipExplanation' });

const userRef = (params: Readonly<Record<string, string>>) => params.user ?? '';

/**
 * An admin (not an owner) signed in may change members and admins, never
 * an owner, and may not make one: ownership passes from owner to owner.
 */
async function checkAdminReach(input: OrgInput<{ role?: string | undefined } | undefined, unknown>) {
  const { principal, deps, org, params, body } = input;
  if (principal.kind !== 'member' || principal.role === 'owner') return;
  if (body?.role === 'owner') throw new MusterError('forbidden', 'Only an owner can make an owner');
  const target = await getMember(deps.db, org.id, userRef(params));
  if (target.role === 'owner') throw new MusterError('forbidden', 'Only an owner can change an owner');
}

export const memberOperations = [
  operation({
    method: 'get',
    path: '/orgs/{org}/members',
    summary: 'Members of the org with role, teams and where each came from',
    tag: 'Members',
    access: 'org',
    query: pageQuery.extend({
      team: z.string().optional().meta({ description: 'Only members of this team (id or slug)' }),
      source: source.optional().meta({ description: 'Only members holding something through this source' }),
      role: z.enum(['owner', 'admin', 'member']).optional(),
      status: z.enum(['active', 'suspended']).optional(),
      q: singleLine(200, 1).optional().meta({ description: 'Part of the email or name, any case' }),
    }),
    status: 200,
    response: pageOf(memberSchema),
    handle: async ({ org, query, deps }) =>
      toPageBody(
        await listMembers(
          deps.db,
          org.id,
          { after: query.cursor, limit: query.limit },
          { team: query.team, source: query.source, role: query.role, status: query.status, text: query.q },
        ),
      ),
  }),
  operation({
    method: 'get',
    path: '/orgs/{org}/members/{user}',
    summary: 'One member with each membership and role grant and its source',
    tag: 'Members',
    access: 'org',
    status: 200,
    response: memberDetailSchema,
    handle: ({ org, params, deps }) => getMember(deps.db, org.id, userRef(params)),
  }),
  operation({
    method: 'patch',
    path: '/orgs/{org}/members/{user}',
    summary: 'Promote or demote, pin the role over mapped ones, or set the teams held by hand',
    tag: 'Members',
    access: 'org',
    body: z.strictObject({
      role: z.string().optional().meta({ description: 'owner, admin or member (any other value is 422)' }),
      rolePinned: z.boolean().optional(),
      teams: z
        .array(z.string())
        .max(1000)
        .optional()
        .meta({ description: 'Team ids or slugs held by hand; replaces those held by hand before' }),
    }),
    status: 200,
    unprocessable: true,
    response: memberDetailSchema,
    handle: async (input) => {
      await checkAdminReach(input);
      const { org, params, body, deps, ctx } = input;
      return updateMember(deps.db, ctx, org.id, userRef(params), body);
    },
  }),
  operation({
    method: 'delete',
    path: '/orgs/{org}/members/{user}',
    summary:
      'Remove a member: every membership, grant and sign-in ends at once; the audit log keeps the history',
    tag: 'Members',
    access: 'org',
    status: 204,
    handle: async (input) => {
      await checkAdminReach(input);
      const { org, params, deps, ctx } = input;
      await removeMember(deps.db, ctx, org.id, userRef(params));
      return undefined;
    },
  }),
  operation({
    method: 'get',
    path: '/orgs/{org}/members/{user}/why',
    summary:
      'Why a member is in a team: each grant, the mapping and IdP group behind it, and the event that made it',
    tag: 'Members',
    access: 'org',
    query: z.strictObject({ team: singleLine(200, 1).meta({ description: 'The team (id or slug)' }) }),
    status: 200,
    response: explanationSchema,
    handle: ({ org, params, query, deps }) => explainMembership(deps.db, org.id, userRef(params), query.team),
  }),
];
