import { z } from 'zod';
import { eventTypes } from '../../domain/events/index.ts';
import {
  createWebhookEndpoint,
  deleteWebhookEndpoint,
  getWebhookEndpoint,
  listWebhookDeliveries,
  listWebhookEndpoints,
  requestRedelivery,
  rotateWebhookSecret,
  updateWebhookEndpoint,
} from '../../domain/webhooks/index.ts';
import { isUuid } from '../../infra/ids/index.ts';
import { operation } from './operation.ts';
import { freeText, id, isoDate, pageOf, pageQuery, toPageBody } from './schemas.ts';

const url = z.string().max(2000, 'must be at most 2000 characters').meta({
  description:
    'Where events are POSTed: https (plain http and private addresses only with WEBHOOK_ALLOW_PRIVATE_NETWORKS)',
  example: 'https://app.example.com/muster/events',
});
const events = z
  .array(z.enum(eventTypes))
  .max(eventTypes.length)
  .meta({ description: 'The event types to receive; empty or left out: all' });
const description = freeText(500);

const endpointSchema = z
  .object({
    id,
    url: z.string(),
    description: z.string(),
    events: z.array(z.string()).readonly(),
    enabled: z.boolean(),
    status: z.enum(['active', 'failing', 'disabled', 'paused']).meta({
      description:
        'active; failing: retrying its oldest undelivered event; disabled: retries ran out (PATCH enabled: true resumes from that event); paused by an admin',
    }),
    disabledReason: z.string().nullable(),
    failingSince: isoDate.nullable(),
    attempts: z.number().int().meta({ description: 'Failed attempts on the oldest undelivered event' }),
    nextAttemptAt: isoDate.nullable(),
    lastError: z.string().nullable(),
    lastDeliveredAt: isoDate.nullable(),
    previousSecretExpiresAt: isoDate
      .nullable()
      .meta({ description: 'Until then, deliveries carry a signature with the previous secret too' }),
    createdAt: isoDate,
    updatedAt: isoDate,
  })
  .meta({ id: 'WebhookEndpoint' });

const secret = z.string().meta({
  description: 'The signing secret (whsec_…): shown this once; verify deliveries with it',
});

const deliverySchema = z
  .object({
    id,
    eventId: id,
    eventType: z.string(),
    attempt: z.number().int(),
    succeeded: z.boolean(),
    httpStatus: z.number().int().nullable(),
    error: z.string().nullable(),
    durationMs: z.number().int(),
    redelivery: z.boolean(),
    createdAt: isoDate,
  })
  .meta({ id: 'WebhookDelivery' });

const ref = (params: Readonly<Record<string, string>>) => params.webhook ?? '';

export const webhookOperations = [
  operation({
    method: 'post',
    path: '/orgs/{org}/webhooks',
    summary:
      'Add a webhook endpoint: the org’s events are POSTed to it, signed, in order; its secret is in the answer, once',
    tag: 'Webhooks',
    access: 'org',
    body: z.strictObject({
      url,
      events: events.optional(),
      description: description.optional(),
      after: z.string().max(200).optional().meta({
        description:
          'A cursor of the events feed: deliver the events after it (left out: the changes from now on)',
      }),
    }),
    status: 201,
    response: endpointSchema.extend({ secret }).meta({ id: 'CreatedWebhookEndpoint' }),
    handle: async ({ org, body, deps, ctx }) => {
      const { endpoint, secret: value } = await createWebhookEndpoint(
        deps.db,
        { box: deps.sso.secretBox, network: deps.webhooks },
        ctx,
        org.id,
        body,
      );
      return { ...endpoint, secret: value };
    },
    location: (endpoint, { org }) => `/orgs/${org.id}/webhooks/${endpoint.id}`,
  }),
  operation({
    method: 'get',
    path: '/orgs/{org}/webhooks',
    summary: 'List webhook endpoints, with how delivery to each stands',
    tag: 'Webhooks',
    access: 'org',
    query: pageQuery,
    status: 200,
    response: pageOf(endpointSchema),
    handle: async ({ org, query, deps }) =>
      toPageBody(await listWebhookEndpoints(deps.db, org.id, { after: query.cursor, limit: query.limit })),
  }),
  operation({
    method: 'get',
    path: '/orgs/{org}/webhooks/{webhook}',
    summary: 'Get a webhook endpoint',
    tag: 'Webhooks',
    access: 'org',
    status: 200,
    response: endpointSchema,
    handle: async ({ org, params, deps }) => getWebhookEndpoint(deps.db, org.id, ref(params)),
  }),
  operation({
    method: 'patch',
    path: '/orgs/{org}/webhooks/{webhook}',
    summary:
      'Change an endpoint; enabled: false pauses it, true resumes it (also once disabled) from its oldest undelivered event',
    tag: 'Webhooks',
    access: 'org',
    body: z.strictObject({
      url: url.optional(),
      events: events.optional(),
      description: description.optional(),
      enabled: z.boolean().optional(),
    }),
    status: 200,
    response: endpointSchema,
    handle: async ({ org, params, body, deps, ctx }) =>
      updateWebhookEndpoint(deps.db, deps.webhooks, ctx, org.id, ref(params), body),
  }),
  operation({
    method: 'delete',
    path: '/orgs/{org}/webhooks/{webhook}',
    summary: 'Delete a webhook endpoint and its delivery log',
    tag: 'Webhooks',
    access: 'org',
    status: 204,
    handle: async ({ org, params, deps, ctx }) => {
      await deleteWebhookEndpoint(deps.db, ctx, org.id, ref(params));
      return undefined;
    },
  }),
  operation({
    method: 'post',
    path: '/orgs/{org}/webhooks/{webhook}/secret',
    summary:
      'Rotate the signing secret: the new one is in the answer, once; the old one keeps signing beside it for overlapHours',
    tag: 'Webhooks',
    access: 'org',
    body: z.strictObject({
      overlapHours: z
        .number()
        .int()
        .min(0)
        .max(168)
        .default(24)
        .meta({ description: '0 to 168, default 24; 0 ends the old secret at once' }),
    }),
    status: 201,
    response: endpointSchema.extend({ secret }).meta({ id: 'RotatedWebhookEndpoint' }),
    handle: async ({ org, params, body, deps, ctx }) => {
      const { endpoint, secret: value } = await rotateWebhookSecret(
        deps.db,
        deps.sso.secretBox,
        ctx,
        org.id,
        ref(params),
        body.overlapHours,
      );
      return { ...endpoint, secret: value };
    },
  }),
  operation({
    method: 'get',
    path: '/orgs/{org}/webhooks/{webhook}/deliveries',
    summary: 'The delivery log: every attempt, its answer or error, newest first (kept 30 days)',
    tag: 'Webhooks',
    access: 'org',
    query: pageQuery,
    status: 200,
    response: pageOf(deliverySchema),
    handle: async ({ org, params, query, deps }) =>
      toPageBody(
        await listWebhookDeliveries(deps.db, org.id, ref(params), {
          after: query.cursor,
          limit: query.limit,
        }),
      ),
  }),
  operation({
    method: 'post',
    path: '/orgs/{org}/webhooks/{webhook}/redeliveries',
    summary: 'Send one event again, once, soon (outside the feed’s order); its attempt joins the log',
    tag: 'Webhooks',
    access: 'org',
    body: z.strictObject({ eventId: id.refine(isUuid, { error: 'must be an event id (a UUID)' }) }),
    status: 202,
    response: z.object({ id, eventId: id }).meta({ id: 'WebhookRedelivery' }),
    handle: async ({ org, params, body, deps, ctx }) =>
      requestRedelivery(deps.db, ctx, org.id, ref(params), body.eventId),
  }),
];
