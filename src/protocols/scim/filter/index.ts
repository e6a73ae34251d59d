export { maxFilterDepth, maxFilterLength, parseFilter } from './parse.ts';
