export { toFilterAttribute } from './operands.ts';
export { maxFilterDepth, maxFilterLength, parseFilter } from './parse.ts';
