import { attribute, complex, multiValued, type Schema } from './attribute.ts';

export const userSchemaId = 'urn:ietf:params:scim:schemas:core:2.0:User';
export const enterpriseUserSchemaId = 'urn:ietf:params:scim:schemas:extension:enterprise:2.0:User';

export const userSchema: Schema = {
  id: userSchemaId,
  name: 'User',
  description: 'User Account',
  attributes: [
    attribute('userName', 'string', {
      description: 'Unique identifier for the user, often an email address',
      required: true,
      uniqueness: 'server',
    }),
    complex(
      'name',
      [
        attribute('formatted', 'string'),
        attribute('familyName', 'string'),
        attribute('givenName', 'string'),
        attribute('middleName', 'string'),
        attribute('honorificPrefix', 'string'),
        attribute('honorificSuffix', 'string'),
      ],
      { description: "The components of the user's name" },
    ),
    attribute('displayName', 'string', { description: 'The name of the user, suitable for display' }),
    attribute('nickName', 'string'),
    attribute('profileUrl', 'reference', { referenceTypes: ['external'] }),
    attribute('title', 'string'),
    attribute('userType', 'string'),
    attribute('preferredLanguage', 'string'),
    attribute('locale', 'string'),
    attribute('timezone', 'string'),
    attribute('active', 'boolean', { description: 'Whether the user may sign in; false suspends the user' }),
    attribute('password', 'string', {
      mutability: 'writeOnly',
      returned: 'never',
      description: 'Never stored',
    }),
    multiValued('emails', 'Email addresses for the user', ['work', 'home', 'other']),
    multiValued('phoneNumbers', 'Phone numbers for the user', [
      'work',
      'home',
      'mobile',
      'fax',
      'pager',
      'other',
    ]),
    multiValued('ims', 'Instant messaging addresses', [
      'aim',
      'gtalk',
      'icq',
      'xmpp',
      'msn',
      'skype',
      'qq',
      'yahoo',
    ]),
    multiValued(
      'photos',
      'URLs of photos of the user',
      ['photo', 'thumbnail'],
      {},
      attribute('value', 'reference', { referenceTypes: ['external'], description: 'The URL of a photo' }),
    ),
    complex(
      'addresses',
      [
        attribute('formatted', 'string'),
        attribute('streetAddress', 'string'),
        attribute('locality', 'string'),
        attribute('region', 'string'),
        attribute('postalCode', 'string'),
        attribute('country', 'string'),
        attribute('type', 'string', { canonicalValues: ['work', 'home', 'other'] }),
        attribute('primary', 'boolean'),
      ],
      { multiValued: true, description: 'Physical mailing addresses' },
    ),
    complex(
      'groups',
      [
        attribute('value', 'string', { mutability: 'readOnly' }),
        attribute('$ref', 'reference', { mutability: 'readOnly', referenceTypes: ['Group'] }),
        attribute('display', 'string', { mutability: 'readOnly' }),
        attribute('type', 'string', { mutability: 'readOnly', canonicalValues: ['direct', 'indirect'] }),
      ],
      {
        multiValued: true,
        mutability: 'readOnly',
        description: 'Groups the user belongs to, kept by the server',
      },
    ),
    multiValued('entitlements', 'Entitlements of the user', []),
    multiValued('roles', 'Roles of the user', []),
    multiValued(
      'x509Certificates',
      'X.509 certificates of the user',
      [],
      {},
      attribute('value', 'binary', { description: 'A DER-encoded certificate, in base64' }),
    ),
  ],
};

export const enterpriseUserSchema: Schema = {
  id: enterpriseUserSchemaId,
  name: 'EnterpriseUser',
  description: 'Enterprise User',
  attributes: [
    attribute('employeeNumber', 'string'),
    attribute('costCenter', 'string'),
    attribute('organization', 'string'),
    attribute('division', 'string'),
    attribute('department', 'string'),
    complex(
      'manager',
      [
        attribute('value', 'string', { description: "The id of the user's manager" }),
        attribute('$ref', 'reference', { referenceTypes: ['User'] }),
        attribute('displayName', 'string', { mutability: 'readOnly' }),
      ],
      { description: "The user's manager" },
    ),
  ],
};
