import { z } from 'zod';
import { type EventType, eventTypes, readEvents } from '../../domain/events/index.ts';
import { operation } from './operation.ts';
import { id, isoDate } from './schemas.ts';

const eventSchema = z
  .object({
    id,
    type: z.enum(eventTypes).meta({ example: 'membership.added' }),
    orgId: id,
    occurredAt: isoDate,
    data: z.record(z.string(), z.unknown()).meta({
      description: 'The resource after the change (for a deletion, before it), with its id',
    }),
    cause: z.record(z.string(), z.unknown()).meta({
      description:
        'What set the change off: type scim_request, login, mapping, admin, user or system, its id, the actor and the request id',
    }),
  })
  .meta({ id: 'Event' });

const typeList = z
  .string()
  .max(1000)
  .transform((value, ctx) => {
    const types = value.split(',').map((t) => t.trim());
    const unknown = types.filter((t) => !(eventTypes as readonly string[]).includes(t));
    if (unknown.length > 0) {
      ctx.addIssue({ code: 'custom', message: `unknown event types: ${unknown.join(', ')}` });
      return z.NEVER;
    }
    return types as EventType[];
  });

export const eventOperations = [
  operation({
    method: 'get',
    path: '/orgs/{org}/events',
    summary:
      'The events feed, oldest first: pass nextCursor as after to read on; an event never appears before a cursor already given',
    tag: 'Events',
    access: 'org',
    query: z.strictObject({
      after: z.string().max(200).optional().meta({ description: 'nextCursor of the previous read' }),
      limit: z.coerce
        .number()
        .int()
        .min(1)
        .max(500)
        .default(100)
        .meta({ description: '1 to 500, default 100' }),
      types: typeList.optional().meta({ description: 'Comma-separated event types; all when unset' }),
    }),
    status: 200,
    response: z.object({
      data: z.array(eventSchema),
      nextCursor: z
        .string()
        .nullable()
        .meta({ description: 'Where to read on from, also when this read found nothing new' }),
    }),
    handle: async ({ org, query, deps }) => {
      const page = await readEvents(deps.db, org.id, {
        after: query.after,
        limit: query.limit,
        ...(query.types ? { types: query.types } : {}),
      });
      return { data: [...page.events], nextCursor: page.cursor };
    },
  }),
];
