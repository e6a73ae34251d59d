import type { ScimDialect } from './types.ts';

/** RFC 7643 and RFC 7644 as written: no leniency. The baseline each profile names its departures from. */
export const rfcDialect: ScimDialect = {
  stringBooleans: false,
  bareManagerId: false,
  singleComplexAsList: false,
  unqualifiedExtensionAttributes: false,
  dottedAttributeKeys: false,
  qualifiedAttributeKeys: false,
  anyCaseOpNames: false,
  removeWithValue: false,
  echoedIdAndMeta: false,
  unquotedFilterStrings: false,
  valuePathSubAttribute: false,
};
