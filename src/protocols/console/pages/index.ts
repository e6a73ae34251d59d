import type { Router } from 'express';
import type { ConsoleKit } from '../kit.ts';
import { auditPages } from './audit.ts';
import { connectionPages } from './connections.ts';
import { directoryPages } from './directories.ts';
import { invitationPages } from './invitations.ts';
import { mappingPages } from './mappings.ts';
import { memberPages } from './members.ts';
import { setupLinkPages } from './setup-links.ts';
import { teamPages } from './teams.ts';

/** Adds a section's routes to the router of /console/orgs/{org}. */
export type ConsolePages = (router: Router, kit: ConsoleKit) => void;

export const consolePages: readonly ConsolePages[] = [
  memberPages,
  teamPages,
  invitationPages,
  mappingPages,
  connectionPages,
  directoryPages,
  setupLinkPages,
  auditPages,
];
