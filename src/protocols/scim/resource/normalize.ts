import { scimBadRequest } from '../../../errors.ts';
import type { ScimDialect } from '../../idp-profiles/index.ts';
import {
  findAttribute,
  groupResourceType,
  groupSchema,
  type ResolvedPath,
  type ResourceType,
  schemasOf,
} from '../schema/index.ts';
import { assign, containerOf, fieldOf, isObject, isStored, nameOf, type ScimJson } from './json.ts';
import { targetsOfKey } from './keys.ts';
import { memberIdsOf } from './members.ts';
import { normalizeValue } from './values.ts';

/** Group members are kept one row each and a group may have 100,000: never part of the stored group. */
const membersAttribute = findAttribute(groupSchema.attributes, 'members');

export function isMembers(resolved: Pick<ResolvedPath, 'attribute'>): boolean {
  return membersAttribute !== undefined && resolved.attribute === membersAttribute;
}

/** Writes one attribute (or `name.givenName`-style sub-attribute) into the resource being built. */
function write(resource: ScimJson, resolved: ResolvedPath, value: unknown, dialect: ScimDialect): void {
  const { attribute, subAttribute } = resolved;
  if (!isStored(attribute) || (subAttribute && !isStored(subAttribute))) return;
  const name = nameOf(resolved, subAttribute);
  const container = containerOf(resource, resolved, true) ?? resource;
  const current = container[attribute.name];
  if (!subAttribute) {
    const next = normalizeValue(attribute, value, name, dialect);
    assign(container, attribute.name, isObject(current) && isObject(next) ? { ...current, ...next } : next);
    return;
  }
  if (attribute.multiValued) {
    throw scimBadRequest('invalidValue', `${name} cannot be set for every value of ${attribute.name}`);
  }
  const parent: ScimJson = isObject(current) ? { ...current } : {};
  assign(parent, subAttribute.name, normalizeValue(subAttribute, value, name, dialect));
  assign(container, attribute.name, Object.keys(parent).length > 0 ? parent : undefined);
}

function checkRequired(resourceType: ResourceType, resource: ScimJson): void {
  for (const schema of schemasOf(resourceType)) {
    const core = schema === resourceType.schema;
    const container = core ? resource : resource[schema.id];
    if (!isObject(container)) continue;
    for (const attribute of schema.attributes) {
      if (!attribute.required || !isStored(attribute)) continue;
      const value = container[attribute.name];
      if (value === undefined || value === '') {
        throw scimBadRequest('invalidValue', `${nameOf({ schema, core, attribute })} is required`);
      }
    }
  }
}

function build(
  resourceType: ResourceType,
  body: ScimJson,
  dialect: ScimDialect,
): { resource: ScimJson; members: unknown } {
  const resource: ScimJson = {};
  let members: unknown;
  for (const [key, value] of Object.entries(body)) {
    for (const target of targetsOfKey(resourceType, key, value)) {
      if (!isMembers(target.resolved)) write(resource, target.resolved, target.value, dialect);
      else if (target.resolved.subAttribute)
        throw scimBadRequest('invalidValue', `${key} must be members itself`);
      else members = target.value;
    }
  }
  for (const { schema } of resourceType.extensions) {
    const object = resource[schema.id];
    if (isObject(object) && Object.keys(object).length === 0) delete resource[schema.id];
  }
  checkRequired(resourceType, resource);
  return { resource, members };
}

/**
 * A resource in the stored form from any attribute object: canonical names,
 * checked types, readOnly/writeOnly and unknown attributes and nulls dropped,
 * required attributes present. Idempotent, so PATCH results pass through it too.
 */
export function normalizeAttributes(
  resourceType: ResourceType,
  body: ScimJson,
  dialect: ScimDialect,
): ScimJson {
  return build(resourceType, body, dialect).resource;
}

function checkBody(resourceType: ResourceType, body: unknown): ScimJson {
  if (!isObject(body)) throw scimBadRequest('invalidSyntax', 'The request body must be a JSON object');
  const schemas = fieldOf(body, 'schemas');
  if (!Array.isArray(schemas) || !schemas.every((s) => typeof s === 'string')) {
    throw scimBadRequest('invalidSyntax', 'schemas must be an array of schema URNs');
  }
  const core = resourceType.schema.id.toLowerCase();
  if (!schemas.some((s: string) => s.toLowerCase() === core)) {
    throw scimBadRequest('invalidSyntax', `schemas must include ${resourceType.schema.id}`);
  }
  return body;
}

/** A POST or PUT body (RFC 7644 §3.3, §3.5.1) in stored form; groups lose their members here. */
export function normalizeResource(resourceType: ResourceType, body: unknown, dialect: ScimDialect): ScimJson {
  return normalizeAttributes(resourceType, checkBody(resourceType, body), dialect);
}

/** A group's POST or PUT body: the stored group, and the member ids when the body named members. */
export function normalizeGroup(
  body: unknown,
  dialect: ScimDialect,
): { resource: ScimJson; members: string[] | undefined } {
  const { resource, members } = build(groupResourceType, checkBody(groupResourceType, body), dialect);
  return { resource, members: members === undefined || members === null ? undefined : memberIdsOf(members) };
}
