import { isDeepStrictEqual } from 'node:util';
import { isMusterError, scimBadRequest } from '../../../errors.ts';
import { isMembers, isObject, normalizeAttributes, type ScimJson, targetsOfKey } from '../resource/index.ts';
import { groupResourceType, type ResourceType, userResourceType } from '../schema/index.ts';
import { applyStep, type PatchStep } from './apply.ts';
import { type MemberChanges, MemberPlan, planMemberStep } from './members.ts';
import { parsePatchPath } from './path.ts';
import { type PatchOperation, parsePatchRequest } from './request.ts';

/** Attributes clients echo back from a GET in path-less values (Okta sends id); ignored, not refused. */
const echoed = new Set(['id', 'meta']);

/**
 * The steps of one operation. Without a path, each key of the value is a
 * path of its own: `name.givenName` and `urn:…:User:manager` as Entra
 * sends them, or an extension URN holding that schema's attributes.
 */
function stepsOf(resourceType: ResourceType, operation: PatchOperation): PatchStep[] {
  const { op, path, hasValue, value } = operation;
  if (path !== undefined) return [{ op, target: parsePatchPath(resourceType, path), hasValue, value }];
  if (!isObject(value)) return [];
  return Object.entries(value).flatMap(([key, member]) =>
    targetsOfKey(resourceType, key, member)
      .filter(({ resolved }) => !(resolved.core && echoed.has(resolved.attribute.name)))
      .map(({ resolved, value: v }) => ({
        op,
        target: { ...resolved, filter: undefined },
        hasValue: true,
        value: v,
      })),
  );
}

/** Runs `apply` on each step, naming the operation in any 400 it raises. */
function forEachStep(resourceType: ResourceType, body: unknown, apply: (step: PatchStep) => void): void {
  parsePatchRequest(body).forEach((operation, index) => {
    try {
      for (const step of stepsOf(resourceType, operation)) apply(step);
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
export function applyUserPatch(resource: ScimJson, body: unknown): { resource: ScimJson; changed: boolean } {
  const working = structuredClone(resource);
  forEachStep(userResourceType, body, (step) => applyStep(working, step));
  const next = normalizeAttributes(userResourceType, working);
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
): { resource: ScimJson; members: MemberChanges; changed: boolean } {
  const working = structuredClone(resource);
  const plan = new MemberPlan();
  forEachStep(groupResourceType, body, (step) =>
    isMembers(step.target) ? planMemberStep(plan, step) : applyStep(working, step),
  );
  const next = normalizeAttributes(groupResourceType, working);
  return { resource: next, members: plan.changes(), changed: !isDeepStrictEqual(resource, next) };
}
