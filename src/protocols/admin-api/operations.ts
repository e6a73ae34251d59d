import { apiKeyOperations } from './api-keys.ts';
import { auditOperations } from './audit-events.ts';
import { connectionOperations } from './connections.ts';
import { directoryOperations } from './directories.ts';
import { directoryGroupOperations } from './directory-groups.ts';
import { eventOperations } from './events.ts';
import { groupMappingOperations } from './group-mappings.ts';
import { invitationOperations } from './invitations.ts';
import { memberOperations } from './members.ts';
import type { AnyOperation } from './operation.ts';
import { orgOperations } from './orgs.ts';
import { setupLinkOperations } from './setup-links.ts';
import { teamOperations } from './teams.ts';
import { webhookOperations } from './webhooks.ts';

export const allOperations: readonly AnyOperation[] = [
  ...orgOperations,
  ...apiKeyOperations,
  ...teamOperations,
  ...directoryOperations,
  ...directoryGroupOperations,
  ...connectionOperations,
  ...groupMappingOperations,
  ...memberOperations,
  ...invitationOperations,
  ...auditOperations,
  ...eventOperations,
  ...webhookOperations,
  ...setupLinkOperations,
];

/** The operation of a method and an OpenAPI path; throws on a typo, which is a bug. */
export function findOperation(method: AnyOperation['method'], path: string): AnyOperation {
  const found = allOperations.find((op) => op.method === method && op.path === path);
  if (!found) throw new Error(`no admin API operation ${method.toUpperCase()} ${path}`);
  return found;
}
