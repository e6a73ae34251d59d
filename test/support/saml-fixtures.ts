import {
  generateSamlKeyPair,
  type SamlConnection,
  type SamlKeyPair,
  type SamlProvider,
  validateSamlResponse,
} from '../../src/protocols/saml/index.ts';
import { buildResponse, type ResponseOptions, samlId, type TestIdp, toFormValue } from './saml-idp.ts';
import { MemoryReplayStore } from './saml-replay-store.ts';

/** Keys, an IdP and a connection to it: what each SAML test starts from. */
export interface SamlWorld {
  readonly idp: TestIdp;
  /** The IdP's next certificate, during a rollover. */
  readonly nextIdpKeys: SamlKeyPair;
  /** A key no connection trusts. */
  readonly strangerKeys: SamlKeyPair;
  readonly spSigning: SamlKeyPair;
  readonly spEncryption: SamlKeyPair;
}

export const acsUrl = 'https://muster.test/sso/saml/conn-1/acs';
export const spEntityId = 'https://muster.test/sso/saml/conn-1';
export const fixedNow = new Date('2030-01-15T12:00:00.000Z');

let world: Promise<SamlWorld> | undefined;

/** Generated once per test file: RSA key generation is the slow part. */
export function samlWorld(): Promise<SamlWorld> {
  world ??= (async () => {
    const [idpKeys, nextIdpKeys, strangerKeys, spSigning, spEncryption] = await Promise.all(
      ['idp', 'idp next', 'stranger', 'sp signing', 'sp encryption'].map((commonName) =>
        generateSamlKeyPair({ commonName }),
      ),
    );
    return {
      idp: {
        entityId: 'https://idp.x.test/saml',
        ssoUrl: 'https://idp.x.test/sso',
        keys: idpKeys as SamlKeyPair,
      },
      nextIdpKeys: nextIdpKeys as SamlKeyPair,
      strangerKeys: strangerKeys as SamlKeyPair,
      spSigning: spSigning as SamlKeyPair,
      spEncryption: spEncryption as SamlKeyPair,
    };
  })();
  return world;
}

/** A connection to the world's IdP, with overrides for the case at hand. */
export function connectionFor(w: SamlWorld, overrides: Partial<SamlConnection> = {}): SamlConnection {
  return {
    id: 'conn-1',
    provider: 'okta' satisfies SamlProvider,
    idp: { entityId: w.idp.entityId, ssoUrl: w.idp.ssoUrl, certificates: [w.idp.keys.certificate] },
    sp: { entityId: spEntityId, acsUrl, signing: w.spSigning, encryption: w.spEncryption },
    emailDomains: ['x.test'],
    ...overrides,
  };
}

/** An SP-initiated sign-in: a request id issued to the store, and the options of a response to it. */
export function spInitiated(store: MemoryReplayStore, connection: SamlConnection): ResponseOptions {
  const requestId = samlId();
  store.issue(requestId, connection.id);
  return { acsUrl, audience: spEntityId, now: fixedNow, inResponseTo: requestId };
}

/** Builds a response with the options and validates it for the connection at `fixedNow`. */
export async function signIn(
  w: SamlWorld,
  connection: SamlConnection,
  options: Partial<ResponseOptions> = {},
  store = new MemoryReplayStore(),
) {
  const base =
    options.inResponseTo === null
      ? { acsUrl, audience: spEntityId, now: fixedNow, inResponseTo: null }
      : spInitiated(store, connection);
  const xml = await buildResponse(w.idp, { ...base, ...options });
  return validateSamlResponse({ connection, samlResponse: toFormValue(xml), store, now: fixedNow });
}
