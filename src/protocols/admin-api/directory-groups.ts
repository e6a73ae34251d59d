import type { AnyOperation } from './operation.ts';

/** Not built yet. */
export const directoryGroupOperations: AnyOperation[] = [];
