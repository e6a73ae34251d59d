import type { IdpProfile, ScimDialect } from './types.ts';

/**
 * Any other SCIM client: every known IdP's form is read, so a directory
 * created as generic never refuses a call one of the named IdPs makes.
 * Choosing the IdP's own provider narrows a directory to that IdP's forms.
 */
const everyLeniency: ScimDialect = {
  stringBooleans: true,
  singleComplexAsList: true,
  unquotedFilterStrings: true,
};

export const generic: IdpProfile = { provider: 'generic', name: 'Any SCIM 2.0 client', scim: everyLeniency };
