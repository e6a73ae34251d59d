export { type InviteDeps, inviteRouter } from './router.ts';
