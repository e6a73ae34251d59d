import { apiKeyOperations } from './api-keys.ts';
import { auditOperations } from './audit-events.ts';
import { directoryOperations } from './directories.ts';
import type { AnyOperation } from './operation.ts';
import { orgOperations } from './orgs.ts';
import { teamOperations } from './teams.ts';

export const allOperations: readonly AnyOperation[] = [
  ...orgOperations,
  ...apiKeyOperations,
  ...teamOperations,
  ...directoryOperations,
  ...auditOperations,
];
