export {
  createDirectory,
  type Directory,
  type DirectoryInput,
  type DirectoryProvider,
  deleteDirectory,
  directoryProviders,
  getDirectory,
  listDirectories,
  updateDirectory,
} from './directories.ts';
export {
  authenticateDirectoryToken,
  createDirectoryToken,
  type DirectoryToken,
  listDirectoryTokens,
  maxLiveTokens,
  revokeDirectoryToken,
} from './directory-tokens.ts';
export {
  listScimRequestLog,
  recordScimRequest,
  type ScimRequestLogEntry,
  type ScimRequestRecord,
} from './scim-log.ts';
