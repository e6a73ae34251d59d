import type { Router } from 'express';
import { MusterError } from '../../errors.ts';

/** The methods each resource path takes; any other is 405 with `Allow`, not a 404 for a path that exists. */
const methodsByPath: Readonly<Record<string, readonly string[]>> = {
  '/Users': ['GET', 'POST'],
  '/Users/.search': ['POST'],
  '/Users/:id': ['GET', 'PUT', 'PATCH', 'DELETE'],
  '/Groups': ['GET', 'POST'],
  '/Groups/.search': ['POST'],
  '/Groups/:id': ['GET', 'PUT', 'PATCH', 'DELETE'],
  '/Bulk': ['POST'],
};

/** Mount after the resources, so only methods no route took arrive here. */
export function refuseOtherMethods(router: Router): void {
  for (const [path, methods] of Object.entries(methodsByPath)) {
    router.all(path, (_req, res) => {
      res.setHeader('Allow', methods.join(', '));
      throw new MusterError(
        'method_not_allowed',
        `${path.replace(':id', '{id}')} takes ${methods.join(', ')}`,
      );
    });
  }
}
