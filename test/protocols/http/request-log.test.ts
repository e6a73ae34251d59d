import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { loggablePath } from '../../../src/protocols/http/request-context.ts';

describe('the request log', () => {
  it('writes paths that carry a single-use secret without it', () => {
    const cases: [string, string][] = [
      ['/invite/ecEyib-rMOxdSniuXDuUt24DnuamRSR1s7ygxCCGdns', '/invite/:token'],
      ['/invite/ecEyib-rMOxdSniuXDuUt24DnuamRSR1s7ygxCCGdns/accept', '/invite/:token/accept'],
      ['/login/reset/R0eQXW6WFDoVMvXHrnVQKigBexQ9YdYn9SomwTS8R-0', '/login/reset/:token'],
      ['/login/reset', '/login/reset'],
      ['/api/v1/orgs/acme/invitations', '/api/v1/orgs/acme/invitations'],
    ];
    for (const [path, logged] of cases) assert.equal(loggablePath(path), logged, path);
  });
});
