import {
  attribute,
  type ResourceType,
  type Schema,
  userResourceType,
} from '../../src/protocols/scim/schema/index.ts';

export const badgeSchemaId = 'urn:example:scim:schemas:extension:badge:2.0:User';

/** A second User extension: `badge` is its own, `department` it shares with the enterprise extension. */
const badgeSchema: Schema = {
  id: badgeSchemaId,
  name: 'Badge',
  description: 'Test extension',
  attributes: [attribute('badge', 'string'), attribute('department', 'string')],
};

/**
 * User with the enterprise and the badge extensions, so an extension
 * attribute named without its URN can be ambiguous: `department` is both
 * extensions', `manager` the enterprise one's alone, `badge` the badge one's.
 */
export const userWithBadgeType: ResourceType = {
  ...userResourceType,
  extensions: [...userResourceType.extensions, { schema: badgeSchema, required: false }],
};
