export { getMember, listMembers, type MemberPatch, removeMember, updateMember } from './members.ts';
export type { GrantOrigin, Member, MemberDetail } from './view.ts';
export { type CauseEvent, explainMembership, type MembershipExplanation } from './why.ts';
