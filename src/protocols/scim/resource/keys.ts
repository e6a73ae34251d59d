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
 * attributes living in their schema's object; IdPs also send keys that are
 * paths, `name.givenName` and `urn:…:enterprise:2.0:User:department`, read as
 * the attribute they name. A key that names a known attribute in a form the
 * dialect does not allow (an unqualified extension attribute) is refused
 * rather than dropped, so the client learns why its value did not arrive.
 * Keys naming nothing known give nothing.
 */
function targetOf(resourceType: ResourceType, key: string, dialect: ScimDialect): ResolvedPath | undefined {
  const resolved = resolvePath(resourceType, key, dialect);
  if (!resolved) {
    const meant = resolvePath(resourceType, key, { unqualifiedExtensionAttributes: true });
    if (meant)
      throw refuse(key, `is an attribute of ${meant.schema.id}: send it inside that schema's object`);
    return undefined;
  }
  return resolved;
}

/**
 * The attributes one key of a request object names: `userName`, an extension
 * URN whose object holds that schema's attributes, `name.givenName` or
 * `urn:…:enterprise:2.0:User:manager`.
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
    return resolved ? [{ resolved, value: member }] : [];
  });
}
