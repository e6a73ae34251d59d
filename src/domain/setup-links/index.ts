export {
  createSetupLink,
  defaultSetupLinkHours,
  getSetupLink,
  listSetupLinks,
  maxSetupLinkHours,
  revokeSetupLink,
  type SetupLinkRequest,
  type SetupLinkTools,
  setupLinkFeatures,
  setupUrl,
} from './links.ts';
export {
  attachSetupDirectory,
  chooseSetupIdp,
  type OpenedSetupLink,
  openSetupLink,
  saveSetupMetadata,
} from './portal.ts';
export type { SetupChoice, SetupLink, SetupLinkStatus, SetupMetadataDraft } from './view.ts';
