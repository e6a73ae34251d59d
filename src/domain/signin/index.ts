export { provisionSignIn, type VouchedSignIn } from './provision.ts';
export { recordRefusedSignIn } from './refusals.ts';
export {
  keptTestSignIns,
  latestTestSignIns,
  recordTestSignIn,
  type TestSignIn,
  type TestSignInResult,
} from './test-sign-ins.ts';
export {
  beginLogin,
  consumeLogin,
  consumeTestLogin,
  type LoginInFlight,
  type LoginPurpose,
  type LoginStart,
  loginLifetimeSeconds,
  rememberAssertion,
} from './transactions.ts';
