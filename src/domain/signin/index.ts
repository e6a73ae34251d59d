export { provisionSignIn, type VouchedSignIn } from './provision.ts';
export { recordRefusedSignIn } from './refusals.ts';
export { latestTestSignIns, type TestSignIn } from './test-sign-ins.ts';
export {
  beginLogin,
  consumeLogin,
  type LoginInFlight,
  type LoginStart,
  loginLifetimeSeconds,
  rememberAssertion,
} from './transactions.ts';
