export { type ConsoleDeps, consoleRouter } from './router.ts';
