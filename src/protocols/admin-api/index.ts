export { openApiDocument } from './openapi.ts';
export type { AdminApiDeps, AnyOperation } from './operation.ts';
export { allOperations, findOperation } from './operations.ts';
export { adminApiRouter, invokeOperation, type OperationCall } from './router.ts';
