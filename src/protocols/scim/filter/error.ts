import { type MusterError, scimBadRequest } from '../../../errors.ts';

/** Positions count characters from 1, as a person reading the filter would. */
export function filterError(message: string, position?: number): MusterError {
  const where = position === undefined ? '' : ` at position ${position}`;
  return scimBadRequest('invalidFilter', `Invalid filter: ${message}${where}`);
}
