export { hasLocalPassword, type PreparedPassword, preparePassword, setLocalPassword } from './credentials.ts';
export {
  type LoginAttempt,
  type LoginOutcome,
  loginEmail,
  loginRefused,
  type SignInMethod,
  signInMethod,
  startLocalSession,
  verifyLocalLogin,
  verifyOrgPassword,
} from './login.ts';
export {
  type PasswordResetView,
  passwordResetView,
  type ResetRequest,
  requestPasswordReset,
  resetLinkLifetimeSeconds,
  resetLinksPerHour,
  resetPassword,
} from './reset.ts';
export { checkNewPassword, maxPasswordLength, minPasswordLength, passwordProblem } from './rules.ts';
export { clientOf, throttlePolicies } from './throttle.ts';
