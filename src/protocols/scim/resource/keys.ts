import { scimBadRequest } from '../../../errors.ts';
import type { ScimDialect } from '../../idp-profiles/index.ts';
import { type ResolvedPath, type ResourceType, resolvePath } from '../schema/index.ts';
import { isObject } from './json.ts';

export interface KeyTarget {
  readonly resolved: ResolvedPath;
  readonly value: unknown;
}

function refuse(key: string, problem: string): Error {
  return scimBadRequest('invalidSyntax', `"${key}" ${problem}`);
}

/**
 * One key naming one attribute. RFC 7643 keys are attribute names, extension
 * attributes living in their schema's object; path-shaped keys are read only
 * where the dialect allows them. A key that names a known attribute in a form
 * the dialect does not allow is refused rather than dropped, so the client
 * learns why its value did not arrive. Keys naming nothing known give nothing.
 */
function targetOf(resourceType: ResourceType, key: string, dialect: ScimDialect): ResolvedPath | undefined {
  const resolved = resolvePath(resourceType, key, dialect);
  if (!resolved) {
    const meant = resolvePath(resourceType, key, { unqualifiedExtensionAttributes: true });
    if (meant)
      throw refuse(key, `is an attribute of ${meant.schema.id}: send it inside that schema's object`);
    return undefined;
  }
  if (!dialect.qualifiedAttributeKeys && key.toLowerCase().startsWith('urn:')) {
    throw refuse(
      key,
      `is a URN-qualified path, not an attribute name: send it inside "${resolved.schema.id}"`,
    );
  }
  // A key reaches a sub-attribute only through a dot.
  if (!dialect.dottedAttributeKeys && resolved.subAttribute) {
    const { attribute, subAttribute } = resolved;
    throw refuse(
      key,
      `is a path, not an attribute name: send {"${attribute.name}": {"${subAttribute.name}": …}}`,
    );
  }
  return resolved;
}

/**
 * The attributes one key of a request object names: `userName`, an extension
 * URN whose object holds that schema's attributes, and, as the dialect
 * allows, `name.givenName` or `urn:…:enterprise:2.0:User:manager`.
 */
export function targetsOfKey(
  resourceType: ResourceType,
  key: string,
  value: unknown,
  dialect: ScimDialect,
): KeyTarget[] {
  const lower = key.toLowerCase();
  const extension = resourceType.extensions.find((e) => e.schema.id.toLowerCase() === lower);
  if (!extension) {
    const resolved = targetOf(resourceType, key, dialect);
    return resolved ? [{ resolved, value }] : [];
  }
  if (value === null) return [];
  if (!isObject(value)) throw scimBadRequest('invalidValue', `${extension.schema.id} must be an object`);
  return Object.entries(value).flatMap(([name, member]) => {
    const resolved = resolvePath(resourceType, `${extension.schema.id}:${name}`, dialect);
    if (resolved?.subAttribute && !dialect.dottedAttributeKeys) {
      throw refuse(name, `is a path, not an attribute name: send {"${resolved.attribute.name}": {…}}`);
    }
    return resolved ? [{ resolved, value: member }] : [];
  });
}
