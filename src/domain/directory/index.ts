export type { ScimListQuery, ScimPage, ScimPaging } from './paging.ts';
export {
  changeScimGroup,
  createScimGroup,
  deleteScimGroup,
  type GroupWrite,
  getScimGroup,
  groupsOfUsers,
  listGroupMembers,
  listScimGroups,
  type MemberChanges,
  type ScimGroup,
} from './scim-groups.ts';
export {
  createScimUser,
  deleteScimUser,
  getScimUser,
  listScimUsers,
  replaceScimUser,
  type ScimUser,
  type ScimUserWrite,
} from './scim-users.ts';
export {
  type SignedIn,
  type SignInRefusal,
  SignInRefused,
  type SsoSignIn,
  signInWithSso,
} from './sso-users.ts';
