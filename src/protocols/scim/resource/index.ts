export { assign, containerOf, fieldOf, isObject, isStored, nameOf, type ScimJson } from './json.ts';
export { type KeyTarget, targetsOfKey } from './keys.ts';
export { memberIdsOf } from './members.ts';
export { isMembers, normalizeAttributes, normalizeGroup, normalizeResource } from './normalize.ts';
export { booleanOf, countPrimaries, normalizeValue } from './values.ts';
