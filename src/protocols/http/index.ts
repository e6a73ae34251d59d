export { bearerToken, requireAdminCredentials } from './auth.ts';
export { fromBodyParserError, jsonBody } from './body.ts';
export {
  type Principal,
  type RequestState,
  requestIdOf,
  routeOf,
  stateOf,
  systemChangeOf,
} from './context.ts';
export { cookiesOf } from './cookies.ts';
export { type CsrfOptions, checkCsrf, csrfCookieName, csrfField } from './csrf.ts';
export { type ErrorBody, errorBody, notFoundHandler, renderJsonError, toMusterError } from './errors.ts';
export {
  formRefusal,
  formValue,
  formValues,
  type NoticeCookie,
  redirectWithNotice,
  takeNotice,
} from './forms.ts';
export { renderHtmlError } from './html.ts';
export { bindBrowser, browserMatches, type LoginBinding } from './login-binding.ts';
export { sentFrom } from './origin.ts';
export {
  escapeHtml,
  html,
  type Page,
  pageStylesheet,
  renderPage,
  SafeHtml,
  stylesheetHandler,
} from './page.ts';
export { requestContext } from './request-context.ts';
