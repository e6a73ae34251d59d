import type { Response } from 'express';
import type { ChangeContext } from '../../domain/audit/index.ts';
import {
  changeScimGroup,
  createScimGroup,
  createScimUser,
  deleteScimGroup,
  deleteScimUser,
  getScimGroup,
  getScimUser,
  replaceScimUser,
  type ScimGroup,
  type ScimUser,
} from '../../domain/directory/index.ts';
import type { Directory } from '../../domain/sources/index.ts';
import { MusterError } from '../../errors.ts';
import type { Db } from '../../storage/index.ts';
import { requestIdOf } from '../http/index.ts';
import { type ScimDialect, scimDialectOf } from '../idp-profiles/index.ts';
import { directoryOf } from './context.ts';
import { applyUserPatch, planGroupPatch } from './patch/index.ts';
import { normalizeGroup, normalizeResource } from './resource/index.ts';
import { userResourceType } from './schema/index.ts';

/**
 * The writes a SCIM client can make, apart from HTTP: the endpoints and
 * /Bulk both call these, so an operation behaves the same either way.
 * `version` is the If-Match (or Bulk `version`) the client sent, if any.
 */
export interface WriteContext {
  readonly db: Db;
  readonly directory: Directory;
  readonly ctx: ChangeContext;
  /** How the directory's provider writes SCIM: bodies and PATCHes are read in its dialect. */
  readonly dialect: ScimDialect;
}

/** Who writes in a SCIM request: the directory, as the actor of its changes. */
export function writeContext(db: Db, res: Response): WriteContext {
  const directory = directoryOf(res);
  return {
    db,
    directory,
    ctx: { actor: { type: 'scim', id: directory.id }, requestId: requestIdOf(res) },
    dialect: scimDialectOf(directory.provider),
  };
}

/** A PATCH that loses a race with another write reads and applies again, this many times. */
const patchAttempts = 5;

function checkVersion(expected: number | undefined, current: number): void {
  if (expected !== undefined && expected !== current) {
    throw new MusterError('precondition_failed', 'The resource changed since that version');
  }
}

export function createUser(w: WriteContext, body: unknown): Promise<ScimUser> {
  return createScimUser(w.db, w.directory, w.ctx, {
    resource: normalizeResource(userResourceType, body, w.dialect),
    raw: body,
  });
}

export async function replaceUser(
  w: WriteContext,
  id: string,
  body: unknown,
  version?: number,
): Promise<ScimUser> {
  const current = await getScimUser(w.db, w.directory, id);
  checkVersion(version, current.version);
  const resource = normalizeResource(userResourceType, body, w.dialect);
  const updated = await replaceScimUser(w.db, w.directory, w.ctx, current, { resource, raw: body });
  if (!updated)
    throw new MusterError('precondition_failed', 'The user changed while this request ran; send it again');
  return updated;
}

export async function patchUser(
  w: WriteContext,
  id: string,
  body: unknown,
  version?: number,
): Promise<ScimUser> {
  for (let attempt = 0; attempt < patchAttempts; attempt += 1) {
    const current = await getScimUser(w.db, w.directory, id);
    if (attempt === 0) checkVersion(version, current.version);
    const { resource, changed } = applyUserPatch(current.resource, body, w.dialect);
    if (!changed) return current;
    const updated = await replaceScimUser(w.db, w.directory, w.ctx, current, { resource, raw: body });
    if (updated) return updated;
  }
  throw new MusterError('conflict', 'The user kept changing while this request ran; send it again');
}

export async function deleteUser(w: WriteContext, id: string, version?: number): Promise<void> {
  const current = await getScimUser(w.db, w.directory, id);
  checkVersion(version, current.version);
  await deleteScimUser(w.db, w.directory, w.ctx, current.id);
}

export function createGroup(w: WriteContext, body: unknown): Promise<ScimGroup> {
  const { resource, members } = normalizeGroup(body, w.dialect);
  return createScimGroup(w.db, w.directory, w.ctx, { resource, members: members ?? [], raw: body });
}

export function replaceGroup(
  w: WriteContext,
  id: string,
  body: unknown,
  version?: number,
): Promise<ScimGroup> {
  const { resource, members } = normalizeGroup(body, w.dialect);
  return changeScimGroup(w.db, w.directory, w.ctx, id, (current) => {
    checkVersion(version, current.version);
    return { resource, members: { add: [], remove: [], replaceAll: members ?? [] }, raw: body };
  });
}

export function patchGroup(w: WriteContext, id: string, body: unknown, version?: number): Promise<ScimGroup> {
  return changeScimGroup(w.db, w.directory, w.ctx, id, (current) => {
    checkVersion(version, current.version);
    const plan = planGroupPatch(current.resource, body, w.dialect);
    return { resource: plan.changed ? plan.resource : undefined, members: plan.members, raw: body };
  });
}

export async function deleteGroup(w: WriteContext, id: string, version?: number): Promise<void> {
  const current = await getScimGroup(w.db, w.directory, id);
  checkVersion(version, current.version);
  await deleteScimGroup(w.db, w.directory, w.ctx, current.id);
}
