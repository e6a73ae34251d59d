export type { MemberChanges } from './members.ts';
export { applyUserPatch, planGroupPatch } from './patch.ts';
export { maxOperations, patchOpSchemaId } from './request.ts';
