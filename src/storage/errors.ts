import { MusterError } from '../errors.ts';

/**
 * The rules live in the database (unique indexes, foreign keys, checks); this
 * turns their violations into errors a client can act on. Constraint names
 * are the contract between the migrations and these messages.
 */
const conflictMessages: Record<string, { path: string; message: string }> = {
  orgs_slug_key: { path: 'slug', message: 'An organization with this slug already exists' },
  teams_org_slug_key: { path: 'slug', message: 'A team with this slug already exists in this organization' },
  group_mappings_same_key: {
    path: 'source.group',
    message: 'This group is already mapped to the same team and role',
  },
  group_mappings_same_group: {
    path: 'source.group',
    message: 'This group is already mapped to the same team and role',
  },
  users_org_email_key: {
    path: 'email',
    message: 'A user with this email already exists in this organization',
  },
};

interface PgErrorFields {
  code?: unknown;
  constraint?: unknown;
  message?: unknown;
}

export function translateDatabaseError(error: unknown): unknown {
  if (typeof error !== 'object' || error === null) return error;
  const { code, constraint } = error as PgErrorFields;
  const name = typeof constraint === 'string' ? constraint : '';
  switch (code) {
    case '23505': {
      const known = conflictMessages[name];
      return new MusterError('conflict', known?.message ?? 'This conflicts with an existing record', {
        ...(known ? { details: [{ path: known.path, message: known.message }] } : {}),
        scimType: 'uniqueness',
        cause: error,
      });
    }
    case '23503':
      return new MusterError('unprocessable', 'This refers to something that does not exist', {
        cause: error,
      });
    case '22021':
    case '22P05':
      return new MusterError('bad_request', 'The text contains characters that cannot be stored', {
        cause: error,
      });
    case '23514':
      return new MusterError('validation_failed', 'A value is outside what is allowed', { cause: error });
    default:
      return error;
  }
}
