import type { ScimDialect } from './types.ts';

/**
 * No leniency: what every directory reads, whatever its provider. That is
 * RFC 7643 and RFC 7644, plus the PATCH and filter forms every IdP may send
 * (see `ScimDialect`). The baseline each profile names its departures from.
 */
export const baselineDialect: ScimDialect = {
  stringBooleans: false,
  singleComplexAsList: false,
  unquotedFilterStrings: false,
};
