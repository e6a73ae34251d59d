import { scimBadRequest } from '../../errors.ts';
import type { ScimJson } from '../../storage/index.ts';
import { type ResolvedPath, type ResourceType, resolvePath } from './schema/index.ts';

/** `attributes` / `excludedAttributes` (RFC 7644 §3.9), resolved once per request. */
export interface Projection {
  readonly include: readonly ResolvedPath[] | undefined;
  readonly exclude: readonly ResolvedPath[];
}

function parseList(type: ResourceType, value: unknown, name: string): ResolvedPath[] | undefined {
  if (value === undefined || value === '') return undefined;
  if (typeof value !== 'string') throw scimBadRequest('invalidValue', `${name} must be given once`);
  return value.split(',').map((raw) => {
    const path = raw.trim();
    const resolved = resolvePath(type, path);
    if (!resolved) throw scimBadRequest('invalidPath', `${name} names an unknown attribute "${path}"`);
    return resolved;
  });
}

export function parseProjection(type: ResourceType, query: Record<string, unknown>): Projection {
  return {
    include: parseList(type, query.attributes, 'attributes'),
    exclude: parseList(type, query.excludedAttributes, 'excludedAttributes') ?? [],
  };
}

/** Whether a projection leaves out an attribute entirely, so its data need not be read (members). */
export function excludes(projection: Projection, attributeName: string): boolean {
  const named = (p: ResolvedPath) => p.attribute.name === attributeName && p.subAttribute === undefined;
  if (projection.exclude.some(named)) return true;
  return (
    projection.include !== undefined && !projection.include.some((p) => p.attribute.name === attributeName)
  );
}

const alwaysReturned = new Set(['id', 'schemas']);

function container(resource: ScimJson, path: ResolvedPath): ScimJson | undefined {
  if (path.core) return resource;
  const ext = resource[path.schema.id];
  return typeof ext === 'object' && ext !== null ? (ext as ScimJson) : undefined;
}

/** Applies the projection to a rendered resource; id and schemas are always returned. */
export function project(resource: ScimJson, projection: Projection): ScimJson {
  if (projection.include) {
    const out: ScimJson = {};
    for (const key of alwaysReturned) if (key in resource) out[key] = resource[key];
    for (const path of projection.include) {
      const from = container(resource, path);
      const value = from?.[path.attribute.name];
      if (value === undefined) continue;
      if (!path.core && out[path.schema.id] === undefined) out[path.schema.id] = {};
      const target = path.core ? out : (out[path.schema.id] as ScimJson);
      if (!path.subAttribute) target[path.attribute.name] = value;
      else if (Array.isArray(value)) {
        const sub = path.subAttribute.name;
        target[path.attribute.name] = value.map((v) => ({ [sub]: (v as ScimJson)[sub] }));
      } else if (typeof value === 'object' && value !== null) {
        const prior = (target[path.attribute.name] ?? {}) as ScimJson;
        target[path.attribute.name] = {
          ...prior,
          [path.subAttribute.name]: (value as ScimJson)[path.subAttribute.name],
        };
      }
    }
    return out;
  }
  // Nothing left out: the rendered resource is this request's own, so it goes as it is.
  if (projection.exclude.length === 0) return resource;
  const out: ScimJson = structuredClone(resource);
  for (const path of projection.exclude) {
    if (alwaysReturned.has(path.attribute.name)) continue;
    const from = container(out, path);
    if (!from) continue;
    if (!path.subAttribute) delete from[path.attribute.name];
    else {
      const value = from[path.attribute.name];
      const subName = path.subAttribute.name;
      for (const item of Array.isArray(value) ? value : [value]) {
        if (typeof item === 'object' && item !== null) delete (item as ScimJson)[subName];
      }
    }
  }
  return out;
}
