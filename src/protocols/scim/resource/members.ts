import { scimBadRequest } from '../../../errors.ts';
import { fieldOf, isObject } from './json.ts';

function invalid(message: string): Error {
  return scimBadRequest('invalidValue', message);
}

/**
 * The user ids of a `members` value: an array of `{value: id}`. Nested groups
 * are not supported, so a member typed Group is refused rather than dropped.
 */
export function memberIdsOf(value: unknown, path = 'members'): string[] {
  if (!Array.isArray(value)) throw invalid(`${path} must be an array of {"value": id} objects`);
  const ids = value.map((member, index) => {
    const where = `${path}[${index}]`;
    if (!isObject(member)) throw invalid(`${where} must be an object with a string value`);
    const id = fieldOf(member, 'value');
    if (typeof id !== 'string' || id === '') throw invalid(`${where}.value must be a non-empty string`);
    const type = fieldOf(member, 'type');
    if (type !== undefined && type !== null) {
      if (typeof type !== 'string') throw invalid(`${where}.type must be a string`);
      if (type.toLowerCase() === 'group')
        throw invalid(`${where} is a group; nested groups are not supported`);
      if (type.toLowerCase() !== 'user') throw invalid(`${where}.type must be User`);
    }
    return id;
  });
  return [...new Set(ids)];
}
