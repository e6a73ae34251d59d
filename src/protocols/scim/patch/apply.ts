import { isDeepStrictEqual } from 'node:util';
import { scimBadRequest } from '../../../errors.ts';
import type { ScimDialect } from '../../idp-profiles/index.ts';
import {
  assign,
  containerOf,
  isObject,
  isStored,
  nameOf,
  normalizeValue,
  type ScimJson,
} from '../resource/index.ts';
import { type Attribute, findAttribute } from '../schema/index.ts';
import { equalitiesOf, matchesFilter } from './filter.ts';
import type { PatchTarget } from './path.ts';

/** One add, replace or remove against one attribute of a working copy that it mutates. */
export interface PatchStep {
  readonly op: 'add' | 'replace' | 'remove';
  readonly target: PatchTarget;
  readonly hasValue: boolean;
  readonly value: unknown;
}

const pathOf = (target: PatchTarget) => nameOf(target, target.subAttribute);

/** Values of a multi-valued attribute are the same when their `value`s are (RFC 7643 §2.4), else when equal. */
function sameItem(attribute: Attribute, a: unknown, b: unknown): boolean {
  const valueAttribute = findAttribute(attribute.subAttributes ?? [], 'value');
  if (!valueAttribute || !isObject(a) || !isObject(b) || a.value === undefined)
    return isDeepStrictEqual(a, b);
  if (typeof a.value !== 'string' || typeof b.value !== 'string' || valueAttribute.caseExact) {
    return isDeepStrictEqual(a.value, b.value);
  }
  return a.value.toLowerCase() === b.value.toLowerCase();
}

/** A value newly made primary takes primary from the others (RFC 7644 §3.5.2). */
function settlePrimary(items: unknown[], written: ReadonlySet<number>): unknown[] {
  const claims = [...written].some((i) => isObject(items[i]) && (items[i] as ScimJson).primary === true);
  if (!claims) return items;
  return items.map((item, i) =>
    !written.has(i) && isObject(item) && item.primary === true ? { ...item, primary: false } : item,
  );
}

function listOf(value: unknown): unknown[] {
  return Array.isArray(value) ? [...value] : [];
}

function checkImmutable(attribute: Attribute, current: unknown, next: unknown, path: string): void {
  if (attribute.mutability === 'immutable' && current !== undefined && !isDeepStrictEqual(current, next)) {
    throw scimBadRequest('mutability', `${path} is immutable`);
  }
}

function set(resource: ScimJson, step: PatchStep, dialect: ScimDialect): void {
  const { target, op } = step;
  const { attribute, subAttribute } = target;
  const path = pathOf(target);
  const container = containerOf(resource, target, true) ?? resource;
  const current = container[attribute.name];
  if (subAttribute) {
    const parent: ScimJson = isObject(current) ? { ...current } : {};
    const next = normalizeValue(subAttribute, step.value, path, dialect);
    checkImmutable(subAttribute, parent[subAttribute.name], next, path);
    assign(parent, subAttribute.name, next);
    assign(container, attribute.name, Object.keys(parent).length > 0 ? parent : undefined);
  } else if (attribute.multiValued) {
    const given = Array.isArray(step.value) ? step.value : [step.value];
    const items = listOf(normalizeValue(attribute, given, path, dialect));
    const merged = op === 'replace' ? [] : listOf(current);
    const written = new Set<number>();
    for (const item of items) {
      const at = merged.findIndex((existing) => sameItem(attribute, existing, item));
      const old = merged[at];
      if (at < 0) written.add(merged.push(item) - 1);
      else {
        merged[at] = isObject(old) && isObject(item) ? { ...old, ...item } : item;
        written.add(at);
      }
    }
    assign(container, attribute.name, merged.length > 0 ? settlePrimary(merged, written) : undefined);
  } else {
    const next = normalizeValue(attribute, step.value, path, dialect);
    // Complex single values merge (RFC 7644 §3.5.2.1, §3.5.2.3): sub-attributes not named are kept.
    if (attribute.type === 'complex') {
      if (isObject(next))
        assign(container, attribute.name, isObject(current) ? { ...current, ...next } : next);
      return;
    }
    checkImmutable(attribute, current, next, path);
    assign(container, attribute.name, next);
  }
}

function setFiltered(
  resource: ScimJson,
  step: PatchStep,
  filter: NonNullable<PatchTarget['filter']>,
  dialect: ScimDialect,
): void {
  const { target, op } = step;
  const { attribute, subAttribute } = target;
  const path = pathOf(target);
  const container = containerOf(resource, target, true) ?? resource;
  const items = listOf(container[attribute.name]);
  const matched = new Set(
    items.flatMap((item, i) => (isObject(item) && matchesFilter(filter, item) ? [i] : [])),
  );
  if (matched.size === 0) {
    // An add through a filter that matches nothing creates the value the filter describes, as Entra expects.
    const seed = op === 'add' ? equalitiesOf(filter) : undefined;
    if (!seed)
      throw scimBadRequest('noTarget', `No value of ${attribute.name} matches the filter in ${path}`);
    if (!subAttribute && !isObject(step.value))
      throw scimBadRequest('invalidValue', `${path} must be an object`);
    const made = subAttribute
      ? { ...seed, [subAttribute.name]: step.value }
      : { ...seed, ...(step.value as ScimJson) };
    const [item] = listOf(normalizeValue(attribute, [made], path, dialect));
    if (item !== undefined) matched.add(items.push(item) - 1);
  } else {
    for (const i of matched) {
      const old = items[i] as ScimJson;
      if (subAttribute) {
        const next = { ...old };
        assign(next, subAttribute.name, normalizeValue(subAttribute, step.value, path, dialect));
        items[i] = next;
      } else {
        if (!isObject(step.value)) throw scimBadRequest('invalidValue', `${path} must be an object`);
        const [next] = listOf(normalizeValue(attribute, [step.value], path, dialect));
        items[i] = op === 'add' && isObject(next) ? { ...old, ...next } : (next ?? {});
      }
    }
  }
  const kept = settlePrimary(items, matched).filter(
    (item) => !isObject(item) || Object.keys(item).length > 0,
  );
  assign(container, attribute.name, kept.length > 0 ? kept : undefined);
}

function remove(resource: ScimJson, step: PatchStep, strict: boolean, dialect: ScimDialect): void {
  const { target } = step;
  const { attribute, subAttribute, filter } = target;
  const container = containerOf(resource, target, false);
  const current = container?.[attribute.name];
  if (filter) {
    const items = listOf(current);
    const hits = items.map((item) => isObject(item) && matchesFilter(filter, item));
    if (!hits.includes(true)) {
      if (strict)
        throw scimBadRequest(
          'noTarget',
          `No value of ${attribute.name} matches the filter in ${pathOf(target)}`,
        );
      return;
    }
    const kept = items.flatMap((item, i) => {
      if (!hits[i]) return [item];
      if (!subAttribute) return [];
      const next = { ...(item as ScimJson) };
      delete next[subAttribute.name];
      return Object.keys(next).length > 0 ? [next] : [];
    });
    assign(container ?? resource, attribute.name, kept.length > 0 ? kept : undefined);
    return;
  }
  if (!container || current === undefined) return;
  let next: unknown;
  if (subAttribute) {
    const parent = isObject(current) ? { ...current } : {};
    delete parent[subAttribute.name];
    next = Object.keys(parent).length > 0 ? parent : undefined;
  } else if (attribute.multiValued && step.hasValue && step.value !== null) {
    // A remove with a value list (an IdP's form): it names the values to remove, never all of them.
    const given = Array.isArray(step.value) ? step.value : [step.value];
    const doomed = listOf(normalizeValue(attribute, given, pathOf(target), dialect));
    const kept = listOf(current).filter((item) => !doomed.some((d) => sameItem(attribute, item, d)));
    next = kept.length > 0 ? kept : undefined;
  }
  assign(container, attribute.name, next);
}

/** Applies one step to `resource` in place; the caller passes a copy and validates the result as a whole. */
export function applyStep(resource: ScimJson, step: PatchStep, dialect: ScimDialect): void {
  const { target } = step;
  const leaf = target.subAttribute ?? target.attribute;
  if (target.attribute.mutability === 'readOnly' || leaf.mutability === 'readOnly') {
    throw scimBadRequest('mutability', `${pathOf(target)} is read-only`);
  }
  if (!isStored(target.attribute) || !isStored(leaf)) return;
  if (target.attribute.multiValued && target.subAttribute && !target.filter) {
    throw scimBadRequest(
      'invalidPath',
      `${pathOf(target)} needs a value filter, as in ${target.attribute.name}[type eq "work"]`,
    );
  }
  // A null value unassigns (RFC 7643 §2.5), so it removes without insisting on a target.
  if (step.op === 'remove' || step.value === null) remove(resource, step, step.op === 'remove', dialect);
  else if (target.filter) setFiltered(resource, step, target.filter, dialect);
  else set(resource, step, dialect);
}
