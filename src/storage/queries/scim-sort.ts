import { type RawBuilder, sql } from 'kysely';
import type { FilterAttribute } from './scim-filter.ts';

export type SortTarget = 'users' | 'groups';

/** sortBy (RFC 7644 §3.4.2.3): one attribute, ascending unless told otherwise; ties keep creation order. */
export interface SortKey {
  readonly attribute: FilterAttribute;
  readonly descending: boolean;
}

const columnsOf: Record<SortTarget, Record<string, string>> = {
  users: {
    id: 'id',
    externalId: 'external_id',
    userName: 'user_name',
    displayName: 'display_name',
    active: 'active',
    'meta.created': 'created_at',
    'meta.lastModified': 'updated_at',
  },
  groups: {
    id: 'id',
    externalId: 'external_id',
    displayName: 'display_name',
    'meta.created': 'created_at',
    'meta.lastModified': 'updated_at',
  },
};

/**
 * The value a row sorts by: its column, or the attribute read from the
 * stored resource. A multi-valued attribute sorts by its first value, as
 * IdPs list the primary value first.
 */
function sortValue(attribute: FilterAttribute, target: SortTarget): RawBuilder<unknown> {
  const table = target === 'users' ? 'scim_users' : 'scim_groups';
  const path = attribute.sub ? `${attribute.name}.${attribute.sub}` : attribute.name;
  const column = attribute.core ? columnsOf[target][path] : undefined;
  if (column) return sql`${sql.ref(`${table}.${column}`)}`;
  const keys = [
    ...(attribute.core ? [] : [attribute.schema]),
    attribute.name,
    ...(attribute.multiValued ? ['0'] : []),
    ...(attribute.sub ? [attribute.sub] : attribute.multiValued ? ['value'] : []),
  ];
  return sql`(${sql.ref(`${table}.resource`)} #>> ${sql.val(keys)}::text[])`;
}

/** An ORDER BY fragment: case-insensitive for caseExact false strings, absent values last. */
export function sortOrder(key: SortKey, target: SortTarget): RawBuilder<unknown> {
  const value = sortValue(key.attribute, target);
  const keyed = key.attribute.type === 'string' && !key.attribute.caseExact ? sql`lower(${value})` : value;
  const direction = key.descending ? sql`desc nulls last` : sql`asc nulls last`;
  const table = target === 'users' ? 'scim_users' : 'scim_groups';
  return sql`${keyed} ${direction}, ${sql.ref(`${table}.id`)}`;
}
