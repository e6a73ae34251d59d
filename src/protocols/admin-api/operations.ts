import { apiKeyOperations } from './api-keys.ts';
import { auditOperations } from './audit-events.ts';
import { connectionOperations } from './connections.ts';
import { directoryOperations } from './directories.ts';
import { eventOperations } from './events.ts';
import { groupMappingOperations } from './group-mappings.ts';
import { invitationOperations } from './invitations.ts';
import { memberOperations } from './members.ts';
import type { AnyOperation } from './operation.ts';
import { orgOperations } from './orgs.ts';
import { teamOperations } from './teams.ts';
import { webhookOperations } from './webhooks.ts';

export const allOperations: readonly AnyOperation[] = [
  ...orgOperations,
  ...apiKeyOperations,
  ...teamOperations,
  ...directoryOperations,
  ...connectionOperations,
  ...groupMappingOperations,
  ...memberOperations,
  ...invitationOperations,
  ...auditOperations,
  ...eventOperations,
  ...webhookOperations,
];
