import { scimBadRequest } from '../../../errors.ts';
import { ambiguousExtensions, type ResolvedPath, type ResourceType, resolvePath } from '../schema/index.ts';
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
 * paths, `name.givenName` and `urn:…:enterprise:2.0:User:department`, and
 * extension attributes without their URN, `department` or `manager`, read as
 * the attribute they name. A key that more than one extension defines is
 * refused rather than dropped or guessed, so the client learns why its value
 * did not arrive. Keys naming nothing known give nothing.
 */
function targetOf(resourceType: ResourceType, key: string): ResolvedPath | undefined {
  const resolved = resolvePath(resourceType, key);
  if (resolved) return resolved;
  const ambiguous = ambiguousExtensions(resourceType, key).map((s) => s.id);
  if (ambiguous.length > 0) {
    throw refuse(key, `is an attribute of ${ambiguous.join(' and ')}: send it inside one schema's object`);
  }
  return undefined;
}

/**
 * The attributes one key of a request object names: `userName`, an extension
 * URN whose object holds that schema's attributes, `name.givenName`,
 * `urn:…:enterprise:2.0:User:manager` or `manager`.
 */
export function targetsOfKey(resourceType: ResourceType, key: string, value: unknown): KeyTarget[] {
  const lower = key.toLowerCase();
  const extension = resourceType.extensions.find((e) => e.schema.id.toLowerCase() === lower);
  if (!extension) {
    const resolved = targetOf(resourceType, key);
    return resolved ? [{ resolved, value }] : [];
  }
  if (value === null) return [];
  if (!isObject(value)) throw scimBadRequest('invalidValue', `${extension.schema.id} must be an object`);
  return Object.entries(value).flatMap(([name, member]) => {
    const resolved = resolvePath(resourceType, `${extension.schema.id}:${name}`);
    return resolved ? [{ resolved, value: member }] : [];
  });
}
