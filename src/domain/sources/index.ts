export {
  createDirectory,
  type Directory,
  type DirectoryInput,
  type DirectoryProvider,
  type DirectoryView,
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
  ScimRequestLog,
  type ScimRequestLogEntry,
  type ScimRequestLogOptions,
  type ScimRequestRecord,
} from './scim-log.ts';
