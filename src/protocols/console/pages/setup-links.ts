import type { Router } from 'express';
import type { ConsoleKit } from '../kit.ts';

/** Not built yet. */
export function setupLinkPages(_router: Router, _kit: ConsoleKit): void {}
