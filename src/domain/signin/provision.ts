import { newId } from '../../infra/ids/index.ts';
import type { Db } from '../../storage/index.ts';
import type { ChangeContext } from '../audit/index.ts';
import { signInWithSso } from '../directory/index.ts';
import { flagConnectionHealth } from '../sources/index.ts';

/** Who a protocol says signed in, and the connection's rules around it. */
export interface VouchedSignIn {
  readonly orgId: string;
  readonly connectionId: string;
  /** SAML NameID, OIDC sub. */
  readonly subject: string;
  /** Lowercase, and at one of the connection's domains: the protocol checked it. */
  readonly email: string;
  readonly firstName: string | null;
  readonly lastName: string | null;
  readonly displayName: string | null;
  readonly groups: readonly string[];
  readonly groupsTruncated: boolean;
  readonly jit: boolean;
  readonly domains: readonly { readonly domain: string; readonly verified: boolean }[];
}

/**
 * The end both protocols share: the person provisioned just in time (or
 * found, or linked on a verified domain), their groups applied, and the
 * connection's health flagged when the IdP cut the groups short and no
 * SCIM directory completed them. Throws MusterError when the person may
 * not sign in (suspended, no JIT, an unverified link).
 */
export async function provisionSignIn(
  db: Db,
  ctx: ChangeContext,
  signIn: VouchedSignIn,
): Promise<{ readonly userId: string; readonly loginId: string }> {
  const domain = signIn.email.slice(signIn.email.lastIndexOf('@') + 1);
  const loginId = newId();
  const signed = await signInWithSso(
    db,
    {
      orgId: signIn.orgId,
      connectionId: signIn.connectionId,
      subject: signIn.subject,
      profile: {
        email: signIn.email,
        given_name: signIn.firstName,
        family_name: signIn.lastName,
        display_name: signIn.displayName,
      },
      groups: signIn.groups,
      groupsTruncated: signIn.groupsTruncated,
      loginId,
      jit: signIn.jit,
      linkByEmail: signIn.domains.some((d) => d.domain === domain && d.verified),
    },
    ctx,
  );
  const userId = signed.user.id;
  if (signed.groupsTruncated)
    await flagConnectionHealth(db, signIn.orgId, signIn.connectionId, {
      groupsTruncated: { at: new Date().toISOString(), loginId, userId },
    });
  return { userId, loginId };
}
