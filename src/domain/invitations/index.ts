export {
  type Accepted,
  type Acceptor,
  acceptInvitation,
  accountOf,
  emailOfMember,
  type OpenedInvitation,
  openInvitation,
} from './accept.ts';
export { type InviteError, type InviteErrorCode, maxEmailsPerRequest, normalizeEmail } from './input.ts';
export {
  type CreatedInvitation,
  changeInvitation,
  createInvitations,
  getInvitation,
  type InvitationChanges,
  type InvitationTools,
  type Invitee,
  type InviteRequest,
  type InviteResult,
  inviteesOf,
  listInvitations,
  readTags,
  resendCooldownSeconds,
  resendInvitation,
  revokeInvitation,
} from './invitations.ts';
export { requestRenewal } from './renewal.ts';
export { getInvitationSettings, type InvitationSettings, updateInvitationSettings } from './settings.ts';
export { revokeInvitationsSentBy, sweepInvitations } from './sweep.ts';
export { type Invitation, type InvitationDelivery, statusOf } from './view.ts';
