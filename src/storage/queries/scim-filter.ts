/**
 * A SCIM filter (RFC 7644 §3.4.2.2) after parsing and after its attribute
 * paths were resolved against the resource schema. The protocol edge builds
 * it; storage compiles it to SQL. Plain data, so neither side knows the other.
 */
export type FilterScalar = string | number | boolean | null;
export type CompareOperator = 'eq' | 'ne' | 'co' | 'sw' | 'ew' | 'gt' | 'ge' | 'lt' | 'le';
export type FilterAttributeType =
  | 'string'
  | 'boolean'
  | 'decimal'
  | 'integer'
  | 'dateTime'
  | 'reference'
  | 'binary'
  | 'complex';

/** An attribute a filter names, as resolved against the schema. */
export interface FilterAttribute {
  /** The schema URN that defines it: the core schema or an extension. */
  readonly schema: string;
  /** True for the resource's core schema and the common attributes (id, externalId, meta). */
  readonly core: boolean;
  /** The attribute's canonical name (schema spelling, not the request's). */
  readonly name: string;
  /** The sub-attribute's canonical name, for `name.givenName` or `emails.value`. */
  readonly sub?: string | undefined;
  /** Whether the attribute is multi-valued (emails): compared against any of its values. */
  readonly multiValued: boolean;
  /** Of the leaf (the sub-attribute when there is one). */
  readonly type: FilterAttributeType;
  readonly caseExact: boolean;
}

export type FilterNode =
  | {
      readonly kind: 'compare';
      readonly attribute: FilterAttribute;
      readonly op: CompareOperator;
      readonly value: FilterScalar;
    }
  | { readonly kind: 'present'; readonly attribute: FilterAttribute }
  | { readonly kind: 'and' | 'or'; readonly left: FilterNode; readonly right: FilterNode }
  | { readonly kind: 'not'; readonly filter: FilterNode }
  /**
   * `emails[type eq "work" and value co "@x.com"]`: one value of the
   * multi-valued `attribute` must match `filter`, whose attributes are its
   * sub-attributes (their `sub` set, `name` the same as `attribute.name`).
   */
  | { readonly kind: 'valuePath'; readonly attribute: FilterAttribute; readonly filter: FilterNode };
