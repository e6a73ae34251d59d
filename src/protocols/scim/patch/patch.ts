import { isDeepStrictEqual } from 'node:util';
import { isMusterError, scimBadRequest } from '../../../errors.ts';
import type { ScimDialect } from '../../idp-profiles/index.ts';
import { isMembers, isObject, normalizeAttributes, type ScimJson, targetsOfKey } from '../resource/index.ts';
import {
  groupResourceType,
  type ResolvedPath,
  type ResourceType,
  userResourceType,
} from '../schema/index.ts';
import { applyStep, type PatchStep } from './apply.ts';
import { type MemberChanges, MemberPlan, planMemberStep } from './members.ts';
import { parsePatchPath } from './path.ts';
import { type PatchOperation, parsePatchRequest } from './request.ts';

/**
 * IdPs echo these back from a GET inside a path-less value (Okta's group
 * rename); as readOnly attributes, they are ignored there, not refused.
 */
const echoed = new Set(['id', 'meta']);

/**
 * The steps of one operation. Without a path, each key of the value names
 * an attribute, or an extension URN holding that schema's attributes, or is
 * a path to one (`name.givenName`, `urn:…:enterprise:2.0:User:department`),
 * or an extension's attribute without its URN (`manager`).
 */
function stepsOf(resourceType: ResourceType, operation: PatchOperation, dialect: ScimDialect): PatchStep[] {
  const { op, path, hasValue, value } = operation;
  if (path !== undefined)
    return [{ op, target: parsePatchPath(resourceType, path, dialect), hasValue, value }];
  if (!isObject(value)) return [];
  const ignored = (resolved: ResolvedPath) => resolved.core && echoed.has(resolved.attribute.name);
  return Object.entries(value).flatMap(([key, member]) =>
    targetsOfKey(resourceType, key, member)
      .filter(({ resolved }) => !ignored(resolved))
      .map(({ resolved, value: v }) => ({
        op,
        target: { ...resolved, filter: undefined },
        hasValue: true,
        value: v,
      })),
  );
}

/** Runs `apply` on each step, naming the operation in any 400 it raises. */
function forEachStep(
  resourceType: ResourceType,
  body: unknown,
  dialect: ScimDialect,
  apply: (step: PatchStep) => void,
): void {
  parsePatchRequest(body).forEach((operation, index) => {
    try {
      for (const step of stepsOf(resourceType, operation, dialect)) apply(step);
    } catch (error) {
      if (!isMusterError(error) || !error.scimType) throw error;
      throw scimBadRequest(error.scimType, `Operations[${index}]: ${error.message}`);
    }
  });
}

/**
 * Applies a PatchOp (RFC 7644 §3.5.2) to a stored user. The input is not
 * changed; the result is validated as a PUT body would be. `changed` says
 * whether the stored form differs.
 */
export function applyUserPatch(
  resource: ScimJson,
  body: unknown,
  dialect: ScimDialect,
): { resource: ScimJson; changed: boolean } {
  const working = structuredClone(resource);
  forEachStep(userResourceType, body, dialect, (step) => applyStep(working, step, dialect));
  const next = normalizeAttributes(userResourceType, working, dialect);
  return { resource: next, changed: !isDeepStrictEqual(resource, next) };
}

/**
 * Plans a PatchOp on a stored group: attribute changes applied to a copy of
 * `resource`, member changes returned as a change set, since members are not
 * loaded. `changed` is about the stored attributes only; whether the member
 * changes change anything is for whoever applies them.
 */
export function planGroupPatch(
  resource: ScimJson,
  body: unknown,
  dialect: ScimDialect,
): { resource: ScimJson; members: MemberChanges; changed: boolean } {
  const working = structuredClone(resource);
  const plan = new MemberPlan();
  forEachStep(groupResourceType, body, dialect, (step) =>
    isMembers(step.target) ? planMemberStep(plan, step) : applyStep(working, step, dialect),
  );
  const next = normalizeAttributes(groupResourceType, working, dialect);
  return { resource: next, members: plan.changes(), changed: !isDeepStrictEqual(resource, next) };
}
