export { type SetupDeps, setupRouter } from './router.ts';
