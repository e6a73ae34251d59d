export { completeFormSignIn, handOff } from './hand-off.ts';
export { type LoginRouterDeps, loginRouter } from './router.ts';
