import { quote, SamlError } from './errors.ts';
import { ns, statusSuccess } from './names.ts';
import { attr, child, text } from './xml.ts';

/**
 * Refuses a response whose top-level StatusCode is not Success, naming the
 * status, its second-level code and the IdP's message so that support can
 * tell a cancelled sign-in from a misconfigured one. Checked before the
 * signature: IdPs often leave error responses unsigned, and a refusal needs
 * no proof.
 */
export function refuseUnsuccessfulStatus(root: Element): void {
  const status = child(root, ns.protocol, 'Status');
  const code = status && child(status, ns.protocol, 'StatusCode');
  const value = code && attr(code, 'Value');
  if (!status || !code || !value) throw new SamlError('saml_malformed', 'the response has no StatusCode');
  if (value === statusSuccess) return;
  const second = child(code, ns.protocol, 'StatusCode');
  const message = child(status, ns.protocol, 'StatusMessage');
  const parts = [`the IdP answered with status ${quote(value)}`];
  const secondValue = second && attr(second, 'Value');
  if (secondValue) parts.push(`(${quote(secondValue)})`);
  if (message) parts.push(`: ${quote(text(message))}`);
  throw new SamlError('saml_status_not_success', parts.join(' '));
}
