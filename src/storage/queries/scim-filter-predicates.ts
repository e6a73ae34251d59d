import { type RawBuilder, type SqlBool, sql } from 'kysely';
import { scimBadRequest } from '../../errors.ts';
import { isUuid } from '../../infra/ids/index.ts';
import type { CompareOperator, FilterAttribute, FilterScalar } from './scim-filter.ts';

/** Where a filter's attribute lives in a row: a column, a jsonb value (and its text), or a fixed value. */
export type Operand =
  | { readonly kind: 'column'; readonly sql: RawBuilder<unknown>; readonly type: ColumnType }
  | { readonly kind: 'json'; readonly json: RawBuilder<unknown>; readonly text: RawBuilder<unknown> }
  | { readonly kind: 'constant'; readonly value: string };

export type ColumnType = 'text' | 'uuid' | 'boolean' | 'timestamptz';

const comparators: Record<CompareOperator, string> = {
  eq: '=',
  ne: '<>',
  gt: '>',
  ge: '>=',
  lt: '<',
  le: '<=',
  co: 'like',
  sw: 'like',
  ew: 'like',
};

// jsonb dateTimes are cast only when they look like one, so a stray value is a mismatch, not a query error.
const dateTimeShape = '^\\d{4}-\\d{2}-\\d{2}T\\d{2}:\\d{2}:\\d{2}(\\.\\d+)?(Z|[+-]\\d{2}:\\d{2})?$';

export function invalidFilter(message: string) {
  return scimBadRequest('invalidFilter', `Invalid filter: ${message}`);
}

/** RFC 7643 §2.5: null, "", [] and {} all mean unassigned. */
export function present(operand: Operand): RawBuilder<SqlBool> {
  switch (operand.kind) {
    case 'constant':
      return sql<SqlBool>`true`;
    case 'column':
      return operand.type === 'text'
        ? sql<SqlBool>`(${operand.sql} is not null and ${operand.sql} <> '')`
        : sql<SqlBool>`${operand.sql} is not null`;
    case 'json':
      return sql<SqlBool>`coalesce(${operand.json} not in ('null'::jsonb, '""'::jsonb, '[]'::jsonb, '{}'::jsonb), false)`;
  }
}

export function compare(
  operand: Operand,
  attribute: FilterAttribute,
  op: CompareOperator,
  value: FilterScalar,
): RawBuilder<SqlBool> {
  const comparator = sql.raw(comparators[op]);
  const refuse = () =>
    invalidFilter(
      `"${op}" cannot compare ${attribute.type} ${pathOf(attribute)} with ${JSON.stringify(value)}`,
    );
  if (value === null) {
    if (op === 'eq') return sql<SqlBool>`not ${present(operand)}`;
    if (op === 'ne') return present(operand);
    throw refuse();
  }
  const ordered = op !== 'co' && op !== 'sw' && op !== 'ew';
  switch (attribute.type) {
    case 'boolean':
      if (typeof value !== 'boolean' || (op !== 'eq' && op !== 'ne')) throw refuse();
      return sql<SqlBool>`${typed(operand, 'boolean')} ${comparator} ${value}::boolean`;
    case 'integer':
    case 'decimal':
      if (typeof value !== 'number' || !ordered) throw refuse();
      return sql<SqlBool>`${typed(operand, 'numeric')} ${comparator} ${String(value)}::numeric`;
    case 'dateTime':
      if (typeof value !== 'string' || !ordered) throw refuse();
      return sql<SqlBool>`${typed(operand, 'timestamptz')} ${comparator} ${value}::timestamptz`;
    case 'complex':
      throw refuse();
    default:
      if (typeof value !== 'string') throw refuse();
      return compareText(operand, attribute.caseExact, op, value);
  }
}

function compareText(
  operand: Operand,
  caseExact: boolean,
  op: CompareOperator,
  value: string,
): RawBuilder<SqlBool> {
  const comparator = sql.raw(comparators[op]);
  // Equality on the uuid keeps the primary key usable. Any other value cannot be an id,
  // and is compared as text so the query does not fail on a cast.
  if (operand.kind === 'column' && operand.type === 'uuid' && (op === 'eq' || op === 'ne') && isUuid(value)) {
    return sql<SqlBool>`${operand.sql} ${comparator} ${value}::uuid`;
  }
  const text = textOf(operand);
  const right = op === 'co' || op === 'sw' || op === 'ew' ? likePattern(op, value) : value;
  const [l, r] = caseExact ? [text, sql`${right}::text`] : [sql`lower(${text})`, sql`lower(${right}::text)`];
  // Ordering is by code point (RFC 7644: lexicographical), whatever collation the database was created with.
  const collation = op === 'gt' || op === 'ge' || op === 'lt' || op === 'le' ? sql` collate "C"` : sql``;
  return sql<SqlBool>`${l}${collation} ${comparator} ${r}`;
}

/** The value, taken literally, inside a LIKE pattern; backslash is PostgreSQL's default LIKE escape. */
function likePattern(op: 'co' | 'sw' | 'ew', value: string): string {
  const literal = value.replace(/[\\%_]/g, (c) => `\\${c}`);
  return `${op === 'sw' ? '' : '%'}${literal}${op === 'ew' ? '' : '%'}`;
}

function textOf(operand: Operand): RawBuilder<unknown> {
  if (operand.kind === 'constant') return sql`${operand.value}::text`;
  if (operand.kind === 'json') return operand.text;
  return operand.type === 'text' ? operand.sql : sql`${operand.sql}::text`;
}

function typed(operand: Operand, type: 'boolean' | 'numeric' | 'timestamptz'): RawBuilder<unknown> {
  if (operand.kind === 'column') return operand.sql;
  if (operand.kind === 'constant') throw invalidFilter(`a fixed value cannot be compared as ${type}`);
  const { json, text } = operand;
  if (type === 'boolean') {
    return sql`(case when jsonb_typeof(${json}) = 'boolean' then (${text})::boolean end)`;
  }
  if (type === 'numeric') {
    return sql`(case when jsonb_typeof(${json}) = 'number' then (${text})::numeric end)`;
  }
  return sql`(case when ${text} ~ ${dateTimeShape}::text then (${text})::timestamptz end)`;
}

export function pathOf(attribute: FilterAttribute): string {
  const name = attribute.sub ? `${attribute.name}.${attribute.sub}` : attribute.name;
  return attribute.core ? name : `${attribute.schema}:${name}`;
}
