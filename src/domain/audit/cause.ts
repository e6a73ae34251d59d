import type { ChangeCause } from '../../storage/index.ts';
import type { ChangeContext } from './context.ts';

/** What a change to someone's grants names as its cause: the event that set it off. */
export type CauseRef =
  | { readonly type: 'scim_request'; readonly id: string | null }
  | { readonly type: 'login'; readonly id: string }
  | { readonly type: 'mapping'; readonly id: string; readonly jobId: string }
  | { readonly type: 'admin'; readonly id: string | null };

export function causeOf(ctx: ChangeContext, cause: CauseRef): ChangeCause {
  return {
    actorType: ctx.actor.type,
    actorId: ctx.actor.id,
    requestId: ctx.requestId ?? null,
    cause: { ...cause },
  };
}

/** A change a SCIM request makes: the request id is the cause. */
export const scimCause = (ctx: ChangeContext): ChangeCause =>
  causeOf(ctx, { type: 'scim_request', id: ctx.requestId ?? null });

/** A change an admin makes through the API: the request id is the cause. */
export const adminCause = (ctx: ChangeContext): ChangeCause =>
  causeOf(ctx, { type: 'admin', id: ctx.requestId ?? null });
