import { z } from 'zod';
import {
  createMapping,
  deleteMapping,
  type GroupMapping,
  getMapping,
  listMappings,
  previewMapping,
  updateMapping,
} from '../../domain/mappings/index.ts';
import { operation } from './operation.ts';
import { id, isoDate, pageOf, pageQuery, singleLine, toPageBody } from './schemas.ts';

const statuses = ['active', 'pending', 'stale', 'deleting'] as const;

const source = z
  .strictObject({
    directory: z.string().optional().meta({ description: 'A SCIM directory of this organization' }),
    connection: z.string().optional().meta({ description: 'An SSO connection of this organization' }),
    group: singleLine(400, 1).meta({
      description:
        "A directory's group by SCIM id, externalId or displayName; or a connection's group claim value " +
        '(Entra object id, Okta or Keycloak group name, Keycloak full path such as /eng/platform)',
    }),
  })
  .refine((s) => (s.directory === undefined) !== (s.connection === undefined), {
    error: 'give exactly one of directory and connection',
    path: ['directory'],
  });

const teamRef = z.string().nullable().optional().meta({ description: 'A team id or slug; null for none' });
const roleRef = z
  .string()
  .nullable()
  .optional()
  .meta({ description: 'admin or member (any other value is 422); null for none' });

const mappingSchema = z
  .object({
    id,
    source: z.object({ directory: id.optional(), connection: id.optional(), group: z.string() }),
    group: z.object({
      id: id.nullable().meta({ description: 'The SCIM group matched, by its stable id' }),
      name: z.string().nullable().meta({ description: 'Its current name' }),
      confirmedName: z.string().nullable().meta({ description: 'Its name when mapped or last confirmed' }),
    }),
    team: z.object({ id, slug: z.string(), name: z.string() }).nullable(),
    role: z.string().nullable(),
    status: z.enum(statuses).meta({
      description:
        'active; pending (the IdP has not pushed the group yet); stale (the group was renamed, still in force ' +
        'until confirmed by a PATCH, or deleted, waiting for it again); deleting',
    }),
    staleReason: z.string().nullable(),
    reconciliation: z
      .object({
        jobId: id,
        state: z.string(),
        done: z.number().int(),
        total: z.number().int().nullable(),
        added: z.number().int(),
        removed: z.number().int(),
        roleChanges: z.number().int(),
        error: z.string().nullable(),
        startedAt: isoDate,
        finishedAt: isoDate.nullable(),
      })
      .nullable()
      .meta({ description: 'The latest background run that brings every user in line with the mapping' }),
    createdAt: isoDate,
    updatedAt: isoDate,
  })
  .meta({ id: 'GroupMapping' });

const sample = z.array(z.object({ id, email: z.string() }));

const previewSchema = z
  .object({
    considered: z.number().int(),
    add: z.object({ count: z.number().int(), sample }),
    remove: z.object({ count: z.number().int(), sample }),
    roleChanges: z.object({
      count: z.number().int(),
      sample: z.array(z.object({ id, email: z.string(), from: z.string(), to: z.string() })),
    }),
  })
  .meta({ id: 'GroupMappingPreview' });

function toBody(mapping: GroupMapping) {
  const { orgId: _, ...rest } = mapping;
  return {
    ...rest,
    source: { ...mapping.source, group: mapping.group.key },
    group: { id: mapping.group.id, name: mapping.group.name, confirmedName: mapping.group.confirmedName },
  };
}

const mappingRef = (params: Readonly<Record<string, string>>) => params.mapping ?? '';

export const groupMappingOperations = [
  operation({
    method: 'post',
    path: '/orgs/{org}/group-mappings',
    summary: 'Map an IdP group to a team and/or a role; a background reconciliation applies it to everyone',
    tag: 'Group mappings',
    access: 'org',
    body: z.strictObject({ source, team: teamRef, role: roleRef }),
    status: 201,
    unprocessable: true,
    response: mappingSchema,
    handle: async ({ org, body, deps, ctx }) => toBody(await createMapping(deps.db, ctx, org.id, body)),
    location: (mapping, { org }) => `/orgs/${org.id}/group-mappings/${mapping.id}`,
  }),
  operation({
    method: 'post',
    path: '/orgs/{org}/group-mappings/preview',
    summary: 'What a new mapping, or a change or deletion of one, would do; nothing is saved',
    tag: 'Group mappings',
    access: 'org',
    body: z.strictObject({
      source: source.optional(),
      team: teamRef,
      role: roleRef,
      mapping: z.string().optional().meta({ description: 'An existing mapping to preview a change of' }),
      delete: z.boolean().optional().meta({ description: 'With mapping: preview its deletion' }),
    }),
    status: 200,
    unprocessable: true,
    response: previewSchema,
    handle: ({ org, body, deps }) => previewMapping(deps.db, org.id, body),
  }),
  operation({
    method: 'get',
    path: '/orgs/{org}/group-mappings',
    summary: 'List group mappings, with their status and latest reconciliation',
    tag: 'Group mappings',
    access: 'org',
    query: pageQuery.extend({
      directory: z.uuid().optional(),
      connection: z.uuid().optional(),
      status: z.enum(statuses).optional(),
    }),
    status: 200,
    response: pageOf(mappingSchema),
    handle: async ({ org, query, deps }) => {
      const page = await listMappings(
        deps.db,
        org.id,
        { after: query.cursor, limit: query.limit },
        { directoryId: query.directory, connectionId: query.connection, status: query.status },
      );
      return toPageBody({ more: page.more, items: page.items.map(toBody) });
    },
  }),
  operation({
    method: 'get',
    path: '/orgs/{org}/group-mappings/{mapping}',
    summary: 'A group mapping, with the progress of its reconciliation',
    tag: 'Group mappings',
    access: 'org',
    status: 200,
    response: mappingSchema,
    handle: async ({ org, params, deps }) => toBody(await getMapping(deps.db, org.id, mappingRef(params))),
  }),
  operation({
    method: 'patch',
    path: '/orgs/{org}/group-mappings/{mapping}',
    summary: "Change a mapping's team or role; any PATCH also confirms the group's current name",
    tag: 'Group mappings',
    access: 'org',
    body: z.strictObject({ team: teamRef, role: roleRef }),
    status: 200,
    unprocessable: true,
    response: mappingSchema,
    handle: async ({ org, params, body, deps, ctx }) =>
      toBody(await updateMapping(deps.db, ctx, org.id, mappingRef(params), body)),
  }),
  operation({
    method: 'delete',
    path: '/orgs/{org}/group-mappings/{mapping}',
    summary:
      'Delete a mapping: it grants nothing from now on, and its grants are taken back in the background',
    tag: 'Group mappings',
    access: 'org',
    status: 202,
    response: mappingSchema,
    handle: async ({ org, params, deps, ctx }) =>
      toBody(await deleteMapping(deps.db, ctx, org.id, mappingRef(params))),
  }),
];
