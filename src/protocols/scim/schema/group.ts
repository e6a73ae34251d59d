import { attribute, complex, type Schema } from './attribute.ts';

export const groupSchemaId = 'urn:ietf:params:scim:schemas:core:2.0:Group';

export const groupSchema: Schema = {
  id: groupSchemaId,
  name: 'Group',
  description: 'Group',
  attributes: [
    attribute('displayName', 'string', {
      description: 'A human-readable name for the group',
      required: true,
    }),
    complex(
      'members',
      [
        attribute('value', 'string', { mutability: 'immutable', description: 'The id of a member' }),
        attribute('$ref', 'reference', { mutability: 'immutable', referenceTypes: ['User', 'Group'] }),
        attribute('display', 'string', { mutability: 'readOnly' }),
        attribute('type', 'string', { mutability: 'immutable', canonicalValues: ['User', 'Group'] }),
      ],
      { multiValued: true, description: 'The members of the group' },
    ),
  ],
};
