export {
  type ApiKey,
  authenticateApiKey,
  createApiKey,
  listApiKeys,
  looksLikeApiKey,
  revokeApiKey,
} from './api-keys.ts';
export { type AppUrlCheck, checkAppUrl, maxAppUrls, normalizeAppUrls } from './app-urls.ts';
export { createOrg, findOrg, getOrg, listOrgs, type Org, updateOrg } from './orgs.ts';
export { isValidSlug, slugPattern } from './slug.ts';
export {
  createTeam,
  deleteTeam,
  getTeam,
  listTeams,
  type Team,
  type TeamInput,
  updateTeam,
} from './teams.ts';
