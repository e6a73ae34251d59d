import { z } from 'zod';
import { listAudit } from '../../domain/audit/index.ts';
import { operation } from './operation.ts';
import { id, isoDate, pageOf, pageQuery, singleLine, toPageBody } from './schemas.ts';

const auditEventSchema = z
  .object({
    id,
    actor: z.object({ type: z.string(), id: z.string().nullable() }),
    action: z.string().meta({ example: 'team.created' }),
    target: z.object({ type: z.string(), id: z.string().nullable() }),
    before: z.unknown().meta({ description: 'The target before the change; null when it was created' }),
    after: z.unknown().meta({ description: 'The target after the change; null when it was deleted' }),
    requestId: z.string().nullable(),
    createdAt: isoDate,
  })
  .meta({ id: 'AuditEvent' });

export const auditOperations = [
  operation({
    method: 'get',
    path: '/orgs/{org}/audit-events',
    summary: 'Who did what, newest first',
    tag: 'Audit',
    access: 'org',
    query: pageQuery.extend({
      action: singleLine(100).optional(),
      targetId: singleLine(200).optional(),
    }),
    status: 200,
    response: pageOf(auditEventSchema),
    handle: async ({ org, query, deps }) =>
      toPageBody(
        await listAudit(
          deps.db,
          org.id,
          { after: query.cursor, limit: query.limit },
          { action: query.action, targetId: query.targetId },
        ),
      ),
  }),
];
