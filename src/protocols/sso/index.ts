export { type SessionHttpDeps, sessionAuthentication, sessionOf } from './authenticate.ts';
export { completeSignIn, type SignInCompletion } from './complete.ts';
export { clearSessionCookie, sessionCookieName, setSessionCookie } from './cookie.ts';
export { type LoginDeps, type LoginQuery, type LoginTarget, ssoLoginRouter } from './login.ts';
export { meResponse } from './me.ts';
export { defaultReturnTo, type ReturnToPolicy, returnTarget, safeReturnTo } from './return-to.ts';
export { sessionRouter } from './router.ts';
export {
  type SignInDeps,
  type SignInFlows,
  samlSingleLogout,
  signInFlows,
  signInRouter,
} from './sign-in.ts';
export { startTestSignIn } from './test-sign-in.ts';
