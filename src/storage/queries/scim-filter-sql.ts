import { type Expression, type RawBuilder, type SqlBool, sql } from 'kysely';
import type { FilterAttribute, FilterNode } from './scim-filter.ts';
import {
  type ColumnType,
  compare,
  invalidFilter,
  type Operand,
  pathOf,
  present,
} from './scim-filter-predicates.ts';

export type FilterTarget = 'users' | 'groups';

/**
 * What the names in a filter refer to: the row itself, one element of a
 * multi-valued jsonb attribute (`e.v`) or one membership row (`m`).
 */
type Scope = { readonly kind: 'row' } | { readonly kind: 'element' } | { readonly kind: 'membership' };

const tables = { users: 'scim_users', groups: 'scim_groups' } as const;

const shared: [string, string, ColumnType][] = [
  ['id', 'id', 'uuid'],
  ['externalId', 'external_id', 'text'],
  ['displayName', 'display_name', 'text'],
  ['meta.created', 'created_at', 'timestamptz'],
  ['meta.lastModified', 'updated_at', 'timestamptz'],
];
const columns: Record<FilterTarget, ReadonlyMap<string, { name: string; type: ColumnType }>> = {
  users: columnMap([...shared, ['userName', 'user_name', 'text'], ['active', 'active', 'boolean']]),
  groups: columnMap(shared),
};

function columnMap(entries: [string, string, ColumnType][]) {
  return new Map(entries.map(([path, name, type]) => [path, { name, type }]));
}

/**
 * Compiles a resolved SCIM filter to a condition on `scim_users` or
 * `scim_groups` (queried under their own names). Values are bound parameters.
 */
export function compileFilter(filter: FilterNode, target: FilterTarget): Expression<SqlBool> {
  return compile(filter, target, { kind: 'row' });
}

function compile(node: FilterNode, target: FilterTarget, scope: Scope): RawBuilder<SqlBool> {
  switch (node.kind) {
    case 'and':
    case 'or': {
      const parts = flatten(node, node.kind).map((part) => compile(part, target, scope));
      return sql<SqlBool>`(${sql.join(parts, node.kind === 'and' ? sql` and ` : sql` or `)})`;
    }
    // Absent attributes make comparisons null; two-valued logic keeps `not` from dropping those rows too.
    case 'not':
      return sql<SqlBool>`not coalesce(${compile(node.filter, target, scope)}, false)`;
    case 'valuePath':
      return valuePath(node.attribute, node.filter, target, scope);
    case 'present':
    case 'compare': {
      const test = (operand: Operand) =>
        node.kind === 'present' ? present(operand) : compare(operand, node.attribute, node.op, node.value);
      return leaf(node.attribute, node.kind === 'present', test, target, scope);
    }
  }
}

/** Long and/or chains become one flat list, not nested parentheses as deep as the chain is long. */
function flatten(node: FilterNode, kind: 'and' | 'or'): FilterNode[] {
  const parts: FilterNode[] = [];
  const stack = [node];
  for (let next = stack.pop(); next; next = stack.pop()) {
    if (next.kind === kind) stack.push(next.right, next.left);
    else parts.push(next);
  }
  return parts;
}

function leaf(
  attribute: FilterAttribute,
  whole: boolean,
  test: (operand: Operand) => RawBuilder<SqlBool>,
  target: FilterTarget,
  scope: Scope,
): RawBuilder<SqlBool> {
  if (scope.kind === 'element') return test(elementOperand(attribute.sub));
  if (scope.kind === 'membership') return test(membershipOperand(attribute, target));
  if (isMembership(attribute, target)) {
    return membersExist(
      target,
      whole && !attribute.sub ? sql<SqlBool>`true` : test(membershipOperand(attribute, target)),
    );
  }
  const column = rowOperand(attribute, target);
  if (column) return test(column);
  const json = jsonOperand(attribute, target);
  if (!attribute.multiValued) return test(attribute.sub ? child(json.json, attribute.sub) : json);
  // `emails pr` asks for any email at all; anything else asks about one element.
  if (whole && !attribute.sub) return test(json);
  return elementsExist(json.json, test(elementOperand(attribute.sub)));
}

function valuePath(attribute: FilterAttribute, filter: FilterNode, target: FilterTarget, scope: Scope) {
  if (scope.kind !== 'row') throw invalidFilter('a "[...]" filter cannot be nested inside another');
  if (isMembership(attribute, target)) {
    return membersExist(target, compile(filter, target, { kind: 'membership' }));
  }
  // On a single-valued complex attribute, `name[givenName eq "x"]` is `name.givenName eq "x"`.
  if (!attribute.multiValued) return compile(filter, target, scope);
  return elementsExist(jsonOperand(attribute, target).json, compile(filter, target, { kind: 'element' }));
}

function rowOperand(attribute: FilterAttribute, target: FilterTarget): Operand | undefined {
  if (!attribute.core) return undefined;
  const path = attribute.sub ? `${attribute.name}.${attribute.sub}` : attribute.name;
  const column = columns[target].get(path);
  if (column) return { kind: 'column', sql: sql.ref(`${tables[target]}.${column.name}`), type: column.type };
  if (attribute.name !== 'meta') return undefined;
  if (attribute.sub === undefined) return { kind: 'constant', value: 'present' };
  if (attribute.sub === 'resourceType') {
    return { kind: 'constant', value: target === 'users' ? 'User' : 'Group' };
  }
  throw invalidFilter(`${pathOf(attribute)} cannot be used in a filter`);
}

function jsonOperand(attribute: FilterAttribute, target: FilterTarget): Operand & { kind: 'json' } {
  const resource = sql.ref(`${tables[target]}.resource`);
  return child(attribute.core ? resource : sql`(${resource} -> ${attribute.schema}::text)`, attribute.name);
}

function child(parent: RawBuilder<unknown>, key: string): Operand & { kind: 'json' } {
  return { kind: 'json', json: sql`(${parent} -> ${key}::text)`, text: sql`(${parent} ->> ${key}::text)` };
}

function elementOperand(sub: string | undefined): Operand {
  const element = sql`e.v`;
  return sub ? child(element, sub) : { kind: 'json', json: element, text: sql`(e.v #>> '{}')` };
}

function elementsExist(array: RawBuilder<unknown>, condition: RawBuilder<SqlBool>): RawBuilder<SqlBool> {
  const elements = sql`jsonb_array_elements(case when jsonb_typeof(${array}) = 'array' then ${array} else '[]'::jsonb end)`;
  return sql<SqlBool>`exists (select 1 from ${elements} as e(v) where ${condition})`;
}

/** A group's members and a user's groups are rows of scim_group_members, not jsonb. */
function isMembership(attribute: FilterAttribute, target: FilterTarget): boolean {
  return attribute.core && attribute.name === (target === 'groups' ? 'members' : 'groups');
}

function membersExist(target: FilterTarget, condition: RawBuilder<SqlBool>): RawBuilder<SqlBool> {
  const link =
    target === 'groups'
      ? sql`m.group_id = ${sql.ref('scim_groups.id')}`
      : sql`m.member_id = ${sql.ref('scim_users.id')}`;
  return sql<SqlBool>`exists (select 1 from scim_group_members as m where ${link} and ${condition})`;
}

function membershipOperand(attribute: FilterAttribute, target: FilterTarget): Operand {
  const groups = target === 'groups';
  switch (attribute.sub ?? 'value') {
    case 'value':
      return { kind: 'column', sql: sql.ref(groups ? 'm.member_id' : 'm.group_id'), type: 'uuid' };
    case 'display': {
      const name = groups
        ? sql`(select u.display_name from scim_users as u where u.id = m.member_id)`
        : sql`(select g.display_name from scim_groups as g where g.id = m.group_id)`;
      return { kind: 'column', sql: name, type: 'text' };
    }
    // Members are always users here, and group membership is always direct.
    case 'type':
      return { kind: 'constant', value: groups ? 'User' : 'direct' };
    default:
      throw invalidFilter(`${pathOf(attribute)} cannot be used in a filter`);
  }
}
