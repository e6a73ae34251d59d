import { scimBadRequest } from '../../../errors.ts';
import { memberIdsOf } from '../resource/index.ts';
import type { PatchStep } from './apply.ts';
import type { ValueFilter } from './filter.ts';

/**
 * What a PATCH does to a group's members, which are never loaded. Apply as:
 * `replaceAll` defined → the members become exactly those (add and remove
 * are then empty); `removeAll` → drop every member, then add `add`;
 * otherwise remove `remove`, then add `add`. The lists are disjoint.
 */
export interface MemberChanges {
  add: string[];
  remove: string[];
  replaceAll?: string[] | undefined;
  removeAll?: boolean;
}

/** Member changes in request order, folded into one change set. */
export class MemberPlan {
  private mode: 'delta' | 'replace' | 'clear' = 'delta';
  private readonly added = new Set<string>();
  private readonly removed = new Set<string>();

  add(ids: readonly string[]): void {
    for (const id of ids) {
      this.removed.delete(id);
      this.added.add(id);
    }
  }

  remove(ids: readonly string[]): void {
    for (const id of ids) {
      this.added.delete(id);
      if (this.mode === 'delta') this.removed.add(id);
    }
  }

  replaceAll(ids: readonly string[]): void {
    this.mode = 'replace';
    this.removed.clear();
    this.added.clear();
    this.add(ids);
  }

  removeAll(): void {
    this.mode = 'clear';
    this.removed.clear();
    this.added.clear();
  }

  changes(): MemberChanges {
    if (this.mode === 'replace') return { add: [], remove: [], replaceAll: [...this.added] };
    const changes: MemberChanges = { add: [...this.added], remove: [...this.removed] };
    if (this.mode === 'clear') changes.removeAll = true;
    return changes;
  }
}

/** The ids of `value eq "id"`, or of several joined by `or`; undefined for any other filter. */
function valueEqIds(filter: ValueFilter): string[] | undefined {
  if (filter.kind === 'compare') {
    const isValueEq =
      filter.attribute.name === 'value' && filter.op === 'eq' && typeof filter.value === 'string';
    return isValueEq ? [filter.value as string] : undefined;
  }
  if (filter.kind !== 'or') return undefined;
  const left = valueEqIds(filter.left);
  const right = valueEqIds(filter.right);
  return left && right ? [...left, ...right] : undefined;
}

function idsOf(step: PatchStep): string[] {
  if (!step.hasValue || step.value === null) {
    throw scimBadRequest('invalidValue', `${step.op} of members needs an array of {"value": id} objects`);
  }
  return memberIdsOf(Array.isArray(step.value) ? step.value : [step.value]);
}

/**
 * Reads one step on `members` exactly as written, and refuses what it cannot
 * read exactly: a guess here can empty a group of thousands.
 */
export function planMemberStep(plan: MemberPlan, step: PatchStep): void {
  const { target, op } = step;
  if (target.subAttribute) {
    throw scimBadRequest(
      'mutability',
      `members.${target.subAttribute.name} cannot be changed; add or remove the member`,
    );
  }
  if (target.filter) {
    const ids = valueEqIds(target.filter);
    if (op !== 'remove')
      throw scimBadRequest('invalidPath', `${op} takes the path members, not a filter on it`);
    if (!ids) throw scimBadRequest('invalidPath', 'A filter on members must be value eq "id"');
    plan.remove(ids);
  } else if (op === 'add') plan.add(idsOf(step));
  else if (op === 'replace') plan.replaceAll(idsOf(step));
  // RFC 7644 §3.5.2.2: remove without a value empties the group; with a value list (an IdP's form) it
  // removes those only.
  else if (!step.hasValue) plan.removeAll();
  else plan.remove(idsOf(step));
}
