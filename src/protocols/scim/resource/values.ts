import { scimBadRequest } from '../../../errors.ts';
import type { ScimDialect } from '../../idp-profiles/index.ts';
import { type Attribute, findAttribute } from '../schema/index.ts';
import { isObject, isStored, type ScimJson } from './json.ts';

/** A JSON boolean, or with `stringBooleans` the strings "true"/"false" in any case; undefined for anything else. */
export function booleanOf(value: unknown, dialect: Pick<ScimDialect, 'stringBooleans'>): boolean | undefined {
  if (typeof value === 'boolean') return value;
  if (!dialect.stringBooleans || typeof value !== 'string') return undefined;
  const lower = value.toLowerCase();
  if (lower === 'true') return true;
  if (lower === 'false') return false;
  return undefined;
}

function invalid(path: string, problem: string): Error {
  return scimBadRequest('invalidValue', `${path} ${problem}`);
}

function isDateTime(value: string): boolean {
  return /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}/.test(value) && !Number.isNaN(Date.parse(value));
}

/** A complex value with canonical sub-attribute names; unknown, readOnly and null members are dropped. */
function normalizeComplex(
  attribute: Attribute,
  value: unknown,
  path: string,
  dialect: ScimDialect,
): ScimJson | undefined {
  const subAttributes = attribute.subAttributes ?? [];
  // A bare id where {value: id} is meant, as IdPs send `manager`, the one single-valued complex with a value.
  const bare =
    typeof value === 'string' &&
    !attribute.multiValued &&
    findAttribute(subAttributes, 'value') !== undefined;
  const object = bare ? { value } : value;
  if (!isObject(object)) throw invalid(path, 'must be an object');
  const out: ScimJson = {};
  for (const [key, member] of Object.entries(object)) {
    const sub = findAttribute(subAttributes, key);
    if (!sub || !isStored(sub)) continue;
    const normalized = normalizeValue(sub, member, `${path}.${sub.name}`, dialect);
    if (normalized !== undefined) out[sub.name] = normalized;
  }
  return Object.keys(out).length > 0 ? out : undefined;
}

function normalizeSingle(attribute: Attribute, value: unknown, path: string, dialect: ScimDialect): unknown {
  if (value === null || value === undefined) return undefined;
  switch (attribute.type) {
    case 'complex':
      return normalizeComplex(attribute, value, path, dialect);
    case 'boolean': {
      const bool = booleanOf(value, dialect);
      if (bool === undefined) throw invalid(path, 'must be a boolean');
      return bool;
    }
    case 'integer':
      if (!Number.isInteger(value)) throw invalid(path, 'must be an integer');
      return value;
    case 'decimal':
      if (typeof value !== 'number' || !Number.isFinite(value)) throw invalid(path, 'must be a number');
      return value;
    case 'dateTime':
      if (typeof value !== 'string' || !isDateTime(value))
        throw invalid(path, 'must be an xsd:dateTime string');
      return value;
    default:
      if (typeof value !== 'string') throw invalid(path, 'must be a string');
      return value;
  }
}

/** RFC 7643 §2.4: at most one value of a multi-valued attribute is primary. */
export function countPrimaries(items: readonly unknown[]): number {
  return items.filter((item) => isObject(item) && item.primary === true).length;
}

/**
 * Checks a value against its attribute and returns it in canonical form, or
 * undefined when it is unassigned (null, an empty array, an object with
 * nothing stored left; RFC 7643 §2.5). Wrong types are 400 invalidValue;
 * the forms `dialect` allows beyond the RFC are read as what they mean.
 */
export function normalizeValue(
  attribute: Attribute,
  value: unknown,
  path: string,
  dialect: ScimDialect,
): unknown {
  if (value === null || value === undefined) return undefined;
  if (!attribute.multiValued) {
    // `singleComplexAsList`: the one value of the list is what it means.
    const listOfOne = dialect.singleComplexAsList && attribute.type === 'complex';
    if (listOfOne && Array.isArray(value) && value.length === 1) {
      return normalizeSingle(attribute, value[0], path, dialect);
    }
    if (Array.isArray(value)) throw invalid(path, 'is single-valued and must not be an array');
    return normalizeSingle(attribute, value, path, dialect);
  }
  if (!Array.isArray(value)) throw invalid(path, 'is multi-valued and must be an array');
  const items = value
    .map((item) => normalizeSingle(attribute, item, path, dialect))
    .filter((item) => item !== undefined);
  if (countPrimaries(items) > 1) throw invalid(path, 'has more than one primary value');
  return items.length > 0 ? items : undefined;
}
