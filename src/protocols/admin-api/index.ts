export { openApiDocument } from './openapi.ts';
export type { AdminApiDeps } from './operation.ts';
export { adminApiRouter } from './router.ts';
