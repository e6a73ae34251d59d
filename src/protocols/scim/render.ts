import type { ScimJson } from '../../storage/index.ts';
import { type ResourceType, schemasOf } from './schema/index.ts';

export interface Stored {
  readonly id: string;
  readonly resource: ScimJson;
  readonly version: number;
  readonly createdAt: Date;
  readonly updatedAt: Date;
}

/** A weak ETag: the row's version, raised by every write (RFC 7644 §3.14). */
export function etagOf(version: number): string {
  return `W/"${version}"`;
}

/** The wire form: schemas listing the extensions present, then id, the attributes and meta. */
export function renderResource(
  type: ResourceType,
  stored: Stored,
  base: string,
  extra: ScimJson = {},
): ScimJson {
  const extensions = schemasOf(type)
    .slice(1)
    .map((s) => s.id)
    .filter((urn) => urn in stored.resource);
  return {
    schemas: [type.schema.id, ...extensions],
    id: stored.id,
    ...stored.resource,
    ...extra,
    meta: {
      resourceType: type.name,
      created: stored.createdAt.toISOString(),
      lastModified: stored.updatedAt.toISOString(),
      location: `${base}${type.endpoint}/${stored.id}`,
      version: etagOf(stored.version),
    },
  };
}
