/**
 * Mail addresses as Muster writes them in a From header: `addr@host` or
 * `Display Name <addr@host>`. Stricter than RFC 5322 allows (no comments,
 * no quoted local parts, no line breaks): a From address is the operator's
 * to choose, and a plain one is what every server accepts.
 */
const atom = "[A-Za-z0-9!#$%&'*+/=?^_`{|}~-]+";
const label = '[A-Za-z0-9](?:[A-Za-z0-9-]{0,61}[A-Za-z0-9])?';
const domain = `(?:${label}(?:\\.${label})*|\\[(?:[0-9.]+|IPv6:[0-9A-Fa-f:.]+)\\])`;
const address = `${atom}(?:\\.${atom})*@${domain}`;
const bare = new RegExp(`^${address}$`);
const named = new RegExp(`^(?:"[^"\\\\]*"|[^"<>]*?)[ \\t]*<(${address})>$`, 'u');

/** Whether a From value is an address, bare or with a display name. */
export function isMailbox(value: string): boolean {
  return value.length <= 400 && !/\p{Cc}/u.test(value) && (bare.test(value) || named.test(value));
}

/** The address part of a From value (`Muster <a@b>` → `a@b`). */
export function addressOf(mailbox: string): string {
  return named.exec(mailbox)?.[1] ?? mailbox;
}

/** `Muster <no-reply@host>`, with the host Muster is reached at. */
export function defaultMailFrom(publicUrl: string): string {
  const host = new URL(publicUrl).hostname;
  const literal = host.startsWith('[')
    ? `[IPv6:${host.slice(1, -1)}]`
    : /^[0-9.]+$/.test(host)
      ? `[${host}]`
      : host;
  return `Muster <no-reply@${literal}>`;
}
