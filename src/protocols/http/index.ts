export { requireAdminCredentials } from './auth.ts';
export { fromBodyParserError, jsonBody } from './body.ts';
export { type Principal, type RequestState, requestIdOf, routeOf, stateOf } from './context.ts';
export { type ErrorBody, errorBody, notFoundHandler, renderJsonError, toMusterError } from './errors.ts';
export { requestContext } from './request-context.ts';
