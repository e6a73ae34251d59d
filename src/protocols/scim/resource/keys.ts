import { scimBadRequest } from '../../../errors.ts';
import { type ResolvedPath, type ResourceType, resolvePath } from '../schema/index.ts';
import { isObject } from './json.ts';

export interface KeyTarget {
  readonly resolved: ResolvedPath;
  readonly value: unknown;
}

/**
 * The attributes one key of a request object names: `userName`, `name.givenName`,
 * `urn:…:enterprise:2.0:User:manager`, or an extension URN whose object holds
 * that schema's attributes. Keys naming nothing known give no targets.
 */
export function targetsOfKey(resourceType: ResourceType, key: string, value: unknown): KeyTarget[] {
  const lower = key.toLowerCase();
  const extension = resourceType.extensions.find((e) => e.schema.id.toLowerCase() === lower);
  if (!extension) {
    const resolved = resolvePath(resourceType, key);
    return resolved ? [{ resolved, value }] : [];
  }
  if (value === null) return [];
  if (!isObject(value)) throw scimBadRequest('invalidValue', `${extension.schema.id} must be an object`);
  return Object.entries(value).flatMap(([name, member]) => {
    const resolved = resolvePath(resourceType, `${extension.schema.id}:${name}`);
    return resolved ? [{ resolved, value: member }] : [];
  });
}
