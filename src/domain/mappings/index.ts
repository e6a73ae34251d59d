export { type EngineResult, recomputeRolesOf, syncGrants } from './engine.ts';
export {
  type DirectoryRef,
  type GroupRef,
  scimGroupCreated,
  scimGroupDeleted,
  scimGroupRenamed,
  scimMembersChanged,
  scimUserChanged,
  ssoGroupsClaimed,
} from './events.ts';
export {
  createMapping,
  deleteMapping,
  type GroupMapping,
  getMapping,
  listMappings,
  type MappingInput,
  type MappingSource,
  type MappingStatus,
  updateMapping,
} from './mappings.ts';
export { type MappingPreview, type PreviewRequest, previewMapping } from './preview.ts';
export { mappingJobHandlers, reconcileHandler, reconcileKind, reconcileOutcome } from './reconcile.ts';
