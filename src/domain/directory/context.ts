import type { ChangeContext } from '../audit/index.ts';
import type { Directory } from '../sources/index.ts';

/** Changes a directory's IdP makes are done by the directory: the audit log names it. */
export const scimContext = (directory: Directory, ctx: ChangeContext): ChangeContext => ({
  actor: { type: 'scim', id: directory.id },
  requestId: ctx.requestId,
});

/** Which counter shard a row of this directory counts in. */
export const countKey = (directory: Directory, rowId: string) => ({
  orgId: directory.orgId,
  directoryId: directory.id,
  rowId,
});
