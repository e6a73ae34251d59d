import { parse as parseCsv } from 'csv-parse/sync';
import { z } from 'zod';
import {
  changeInvitation,
  createInvitations,
  getInvitation,
  getInvitationSettings,
  type Invitee,
  inviteesOf,
  listInvitations,
  maxEmailsPerRequest,
  readTags,
  resendInvitation,
  revokeInvitation,
  updateInvitationSettings,
} from '../../domain/invitations/index.ts';
import { MusterError } from '../../errors.ts';
import { operation } from './operation.ts';
import { freeText, id, isoDate, pageOf, pageQuery, toPageBody } from './schemas.ts';

const role = z.enum(['member', 'admin']).meta({
  description: 'The org role granted at acceptance: member or admin (never owner)',
});
const teams = z
  .array(z.string().max(200))
  .max(100)
  .meta({ description: 'Teams joined at acceptance, by id, slug or name (source invitation)' });
const tagInput = z.union([
  z.string().max(200),
  z.strictObject({ key: z.string().max(200), value: z.string().max(200).optional() }),
]);
const tags = z.array(tagInput).max(50).meta({
  description:
    'At most 10 tags, `key` or `key:value` (or {key, value}); key and value together 1 to 70 characters',
});
const expiresInDays = z
  .number()
  .int()
  .min(1)
  .max(30)
  .meta({ description: "1 to 30 days; the org's default (7 unless set) when left out" });
const message = freeText(1000).meta({ description: 'A personal message, in the mail' });

const tagSchema = z.object({ key: z.string(), value: z.string() });
const deliverySchema = z
  .object({
    state: z.enum(['queued', 'sent', 'failed']),
    attempts: z.number().int(),
    lastError: z.string().nullable(),
    sentAt: isoDate.nullable(),
    nextAttemptAt: isoDate
      .nullable()
      .meta({ description: 'When a failed mail is tried again; null once given up' }),
  })
  .nullable()
  .meta({ id: 'InvitationDelivery' });

const invitationSchema = z
  .object({
    id,
    email: z.string(),
    role: z.string(),
    teamIds: z.array(z.string()).readonly(),
    tags: z.array(tagSchema).readonly(),
    message: z.string().nullable(),
    status: z.enum(['pending', 'accepted', 'expired', 'revoked']),
    expiresAt: isoDate,
    invitedBy: z.object({ type: z.string(), id: z.string().nullable(), userId: z.string().nullable() }),
    acceptedAt: isoDate.nullable(),
    acceptedUserId: z.string().nullable(),
    revokedAt: isoDate.nullable(),
    sentCount: z.number().int(),
    lastSentAt: isoDate,
    delivery: deliverySchema,
    createdAt: isoDate,
    updatedAt: isoDate,
  })
  .meta({ id: 'Invitation' });

const withLink = invitationSchema
  .extend({
    acceptUrl: z.string().meta({
      description: 'The link the mail carries, for sending through another channel; shown only here',
    }),
    row: z.number().int().optional().meta({ description: 'The CSV row it came from' }),
  })
  .meta({ id: 'CreatedInvitation' });

const errorItem = z
  .object({
    email: z.string(),
    code: z.enum(['invalid_email', 'duplicate_in_request', 'already_member', 'already_invited']),
    message: z.string(),
    row: z.number().int().optional(),
  })
  .meta({ id: 'InvitationError' });

const created = z
  .object({ invitations: z.array(withLink), errors: z.array(errorItem) })
  .meta({ id: 'InviteResult' });

const settingsSchema = z
  .object({ expiryDays: z.number().int(), perHour: z.number().int(), reminders: z.boolean() })
  .meta({ id: 'InvitationSettings' });

const ref = (params: Readonly<Record<string, string>>) => params.invitation ?? '';

/** What every invitation of a request gets, unless its CSV row says otherwise. */
const inviteOptions = {
  teams: teams.optional(),
  role: role.optional(),
  tags: tags.optional(),
  expiresInDays: expiresInDays.optional(),
  message: message.optional(),
};

function optionsOf(body: {
  teams?: string[] | undefined;
  role?: 'member' | 'admin' | undefined;
  tags?: z.output<typeof tags> | undefined;
  expiresInDays?: number | undefined;
  message?: string | undefined;
}) {
  return {
    teams: body.teams,
    role: body.role,
    tags: body.tags ? readTags(body.tags) : undefined,
    expiresInDays: body.expiresInDays,
    message: body.message,
  };
}

/** A CSV file: a header naming email (required), teams, role and tags; teams and tags separated by ; or |. */
function inviteesFromCsv(text: string): Invitee[] {
  let records: Record<string, string>[];
  try {
    records = parseCsv(text, {
      columns: (header: string[]) => header.map((h) => h.trim().toLowerCase()),
      skip_empty_lines: true,
      trim: true,
      bom: true,
      max_record_size: 10_000,
      relax_column_count: true,
    });
  } catch (error) {
    throw new MusterError('validation_failed', 'The CSV file cannot be read', {
      details: [{ path: 'csv', message: (error as Error).message.slice(0, 200) }],
    });
  }
  if (records.length === 0 || !('email' in (records[0] ?? {})))
    throw new MusterError('validation_failed', 'The request is not valid', {
      details: [{ path: 'csv', message: 'needs a header row with an email column (email,teams,role,tags)' }],
    });
  if (records.length > maxEmailsPerRequest)
    throw new MusterError('validation_failed', 'The request is not valid', {
      details: [{ path: 'csv', message: `at most ${maxEmailsPerRequest} rows` }],
    });
  const list = (value: string | undefined) =>
    (value ?? '')
      .split(/[;|]/)
      .map((v) => v.trim())
      .filter((v) => v !== '');
  return records.map((record, i) => {
    const row = i + 1;
    const rowRole = (record.role ?? '').toLowerCase();
    if (rowRole !== '' && rowRole !== 'member' && rowRole !== 'admin')
      throw new MusterError('validation_failed', 'The request is not valid', {
        details: [{ path: `rows.${row}.role`, message: 'must be member or admin' }],
      });
    const rowTags = list(record.tags);
    return {
      email: record.email ?? '',
      row,
      ...(record.teams !== undefined && record.teams !== '' ? { teams: list(record.teams) } : {}),
      ...(rowRole ? { role: rowRole as 'member' | 'admin' } : {}),
      ...(rowTags.length > 0 ? { tags: readTags(rowTags) } : {}),
    };
  });
}

export const invitationOperations = [
  operation({
    method: 'post',
    path: '/orgs/{org}/invitations',
    summary:
      'Invite one or many: each valid email gets its own invitation and mail; the others are reported per email',
    tag: 'Invitations',
    access: 'org',
    body: z.strictObject({
      emails: z.union([z.array(z.string().max(400)).max(maxEmailsPerRequest), z.string().max(200_000)]).meta({
        description: `Up to ${maxEmailsPerRequest}: an array, or one string separated by commas or lines`,
      }),
      ...inviteOptions,
    }),
    status: 201,
    unprocessable: true,
    response: created,
    handle: async ({ org, body, deps, ctx }) =>
      createInvitations(deps.db, { publicUrl: deps.publicUrl }, ctx, org.id, {
        invitees: inviteesOf(body.emails),
        ...optionsOf(body),
      }),
  }),
  operation({
    method: 'post',
    path: '/orgs/{org}/invitations/csv',
    summary:
      'Invite from a CSV file (header email,teams,role,tags; teams and tags separated by ;): a report per row',
    tag: 'Invitations',
    access: 'org',
    body: z.strictObject({
      csv: z.string().max(1_000_000).meta({ description: 'The file’s text' }),
      ...inviteOptions,
      teams: teams.optional().meta({ description: 'For rows that name none' }),
    }),
    status: 201,
    unprocessable: true,
    response: created,
    handle: async ({ org, body, deps, ctx }) =>
      createInvitations(deps.db, { publicUrl: deps.publicUrl }, ctx, org.id, {
        invitees: inviteesFromCsv(body.csv),
        ...optionsOf(body),
      }),
  }),
  operation({
    method: 'get',
    path: '/orgs/{org}/invitations',
    summary: 'List invitations, by status if asked (expired is derived from the end date)',
    tag: 'Invitations',
    access: 'org',
    query: pageQuery.extend({ status: z.enum(['pending', 'accepted', 'expired', 'revoked']).optional() }),
    status: 200,
    response: pageOf(invitationSchema),
    handle: async ({ org, query, deps }) =>
      toPageBody(
        await listInvitations(deps.db, org.id, { after: query.cursor, limit: query.limit }, query.status),
      ),
  }),
  operation({
    method: 'get',
    path: '/orgs/{org}/invitations/{invitation}',
    summary: 'Get an invitation, with how its mail stands',
    tag: 'Invitations',
    access: 'org',
    status: 200,
    response: invitationSchema,
    handle: async ({ org, params, deps }) => getInvitation(deps.db, org.id, ref(params)),
  }),
  operation({
    method: 'patch',
    path: '/orgs/{org}/invitations/{invitation}',
    summary: 'Change the teams, role, tags or message of a pending invitation; they apply at acceptance',
    tag: 'Invitations',
    access: 'org',
    body: z.strictObject({
      teams: teams.optional(),
      role: role.optional(),
      tags: tags.optional(),
      message: message.nullable().optional(),
    }),
    status: 200,
    unprocessable: true,
    response: invitationSchema,
    handle: async ({ org, params, body, deps, ctx }) =>
      changeInvitation(deps.db, ctx, org.id, ref(params), {
        teams: body.teams,
        role: body.role,
        tags: body.tags ? readTags(body.tags) : undefined,
        message: body.message,
      }),
  }),
  operation({
    method: 'post',
    path: '/orgs/{org}/invitations/{invitation}/resend',
    summary: 'Send again with a fresh link and expiry (the old link stops working); once a minute at most',
    tag: 'Invitations',
    access: 'org',
    status: 200,
    response: withLink,
    handle: async ({ org, params, deps, ctx }) =>
      resendInvitation(deps.db, { publicUrl: deps.publicUrl }, ctx, org.id, ref(params)),
  }),
  operation({
    method: 'delete',
    path: '/orgs/{org}/invitations/{invitation}',
    summary: 'Revoke a pending invitation: its link stops working',
    tag: 'Invitations',
    access: 'org',
    status: 200,
    response: invitationSchema,
    handle: async ({ org, params, deps, ctx }) => revokeInvitation(deps.db, ctx, org.id, ref(params)),
  }),
  operation({
    method: 'get',
    path: '/orgs/{org}/invitation-settings',
    summary: "The org's invitation settings: default expiry, rate limit, reminders",
    tag: 'Invitations',
    access: 'org',
    status: 200,
    response: settingsSchema,
    handle: async ({ org, deps }) => getInvitationSettings(deps.db, org.id),
  }),
  operation({
    method: 'patch',
    path: '/orgs/{org}/invitation-settings',
    summary: "Change the org's invitation settings",
    tag: 'Invitations',
    access: 'org',
    body: z.strictObject({
      expiryDays: z.number().int().min(1).max(30).optional().meta({ description: '1 to 30, default 7' }),
      perHour: z.number().int().min(1).max(10_000).optional().meta({ description: 'Default 200' }),
      reminders: z
        .boolean()
        .optional()
        .meta({ description: 'A reminder the day before the end; default on' }),
    }),
    status: 200,
    response: settingsSchema,
    handle: async ({ org, body, deps, ctx }) => updateInvitationSettings(deps.db, ctx, org.id, body),
  }),
];
