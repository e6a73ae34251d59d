/**
 * SCIM as data (RFC 7643 §2, §7): one attribute model drives request
 * validation, output shaping, filters, PATCH paths and /Schemas.
 */
export type AttributeType =
  | 'string'
  | 'boolean'
  | 'decimal'
  | 'integer'
  | 'dateTime'
  | 'reference'
  | 'complex'
  | 'binary';
export type Mutability = 'readOnly' | 'readWrite' | 'immutable' | 'writeOnly';
export type Returned = 'always' | 'never' | 'default' | 'request';
export type Uniqueness = 'none' | 'server' | 'global';

export interface Attribute {
  readonly name: string;
  readonly type: AttributeType;
  readonly multiValued: boolean;
  readonly description: string;
  readonly required: boolean;
  readonly caseExact: boolean;
  readonly mutability: Mutability;
  readonly returned: Returned;
  readonly uniqueness: Uniqueness;
  readonly canonicalValues?: readonly string[];
  readonly referenceTypes?: readonly string[];
  readonly subAttributes?: readonly Attribute[];
}

export interface Schema {
  readonly id: string;
  readonly name: string;
  readonly description: string;
  readonly attributes: readonly Attribute[];
}

export interface ResourceType {
  readonly id: string;
  readonly name: string;
  readonly endpoint: string;
  readonly description: string;
  readonly schema: Schema;
  readonly extensions: readonly { readonly schema: Schema; readonly required: boolean }[];
}

type Options = Partial<Omit<Attribute, 'name' | 'type'>>;

/** An attribute with RFC 7643 §2.2 defaults: optional, single, case-insensitive, readWrite, returned by default. */
export function attribute(name: string, type: AttributeType, options: Options = {}): Attribute {
  return {
    name,
    type,
    multiValued: false,
    description: '',
    required: false,
    caseExact: false,
    mutability: 'readWrite',
    returned: 'default',
    uniqueness: 'none',
    ...options,
  };
}

export function complex(name: string, subAttributes: readonly Attribute[], options: Options = {}): Attribute {
  return attribute(name, 'complex', { ...options, subAttributes });
}

/** The shape RFC 7643 §2.4 gives multi-valued attributes such as emails: value, display, type, primary. */
export function multiValued(
  name: string,
  description: string,
  types: readonly string[],
  options: Options = {},
  value: Attribute = attribute('value', 'string', { description: `The ${name} value` }),
): Attribute {
  return complex(
    name,
    [
      value,
      attribute('display', 'string', { description: 'A human-readable name' }),
      attribute('type', 'string', { description: 'A label for its function', canonicalValues: types }),
      attribute('primary', 'boolean', { description: 'The primary value; at most one is true' }),
    ],
    { description, multiValued: true, ...options },
  );
}

/** Finds a name among attributes as SCIM does: case-insensitively (RFC 7643 §2.1). */
export function findAttribute(attributes: readonly Attribute[], name: string): Attribute | undefined {
  const wanted = name.toLowerCase();
  return attributes.find((a) => a.name.toLowerCase() === wanted);
}
