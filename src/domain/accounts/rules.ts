import { MusterError } from '../../errors.ts';
import { isCommonPassword, normalizePassword } from '../../infra/crypto/index.ts';

/** NIST SP 800-63B: long enough, any characters, no composition rules, never a common one. */
export const minPasswordLength = 12;
/** A bound on the work one password can ask of the hasher. */
export const maxPasswordLength = 256;

/** Words a password of this person must not be: their address, its parts, the service's name. */
function contextWords(email: string): string[] {
  const lower = email.toLowerCase();
  const at = lower.lastIndexOf('@');
  const local = at > 0 ? lower.slice(0, at) : lower;
  const domain = at > 0 ? lower.slice(at + 1) : '';
  const label = domain.split('.')[0] ?? '';
  return [lower, local, domain, label, 'muster'].filter((w) => w.length >= 3);
}

/**
 * What is wrong with a new password, in words for the person choosing it;
 * undefined when nothing is. Length counts characters (code points) after
 * NFKC normalisation, as the password is hashed.
 */
export function passwordProblem(password: string, context: { readonly email: string }): string | undefined {
  const normalized = normalizePassword(password);
  const length = [...normalized].length;
  if (length < minPasswordLength) return `Use at least ${minPasswordLength} characters`;
  if (length > maxPasswordLength) return `Use at most ${maxPasswordLength} characters`;
  const lower = normalized.toLowerCase();
  // The address, or a part of it with little beside it (`alice2024!` for alice@…).
  const words = contextWords(context.email);
  if (
    lower.includes(context.email.toLowerCase()) ||
    words.some((word) => lower.includes(word) && [...lower.replace(word, '')].length < 8)
  )
    return 'Do not use your email address, or part of it, as your password';
  if (isCommonPassword(normalized)) return 'This password is too common: choose one that is harder to guess';
  return undefined;
}

/** Refuses (400, on the field `password`) a new password that breaks the rules. */
export function checkNewPassword(password: string, context: { readonly email: string }): void {
  const problem = passwordProblem(password, context);
  if (problem)
    throw new MusterError('validation_failed', problem, {
      details: [{ path: 'password', message: problem }],
    });
}
