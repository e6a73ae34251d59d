import { html, type SafeHtml } from '../../http/index.ts';

/**
 * A time as the console shows it: UTC to the minute (or the second, where
 * requests a second apart must be told apart), the exact instant in the
 * element for anyone who copies it.
 */
export function timeText(
  iso: string | null | undefined,
  options: { seconds?: boolean; none?: string } = {},
): SafeHtml {
  if (!iso) return html`<span class="note">${options.none ?? 'never'}</span>`;
  const shown = `${iso.slice(0, options.seconds ? 19 : 16).replace('T', ' ')} UTC`;
  return html`<time datetime="${iso}">${shown}</time>`;
}

/** A JSON value the API returned as the console prints it: compact, cut short past `max` characters. */
export function jsonText(value: unknown, max = 600): string {
  const text = JSON.stringify(value) ?? '';
  return text.length > max ? `${text.slice(0, max)}…` : text;
}

/** A page's link to the next one, keeping the page's other query values. */
export function nextPageLink(
  path: string,
  query: Readonly<Record<string, string>>,
  nextCursor: string | null,
  label: string,
): SafeHtml {
  if (!nextCursor) return html``;
  const params = new URLSearchParams({ ...query, cursor: nextCursor });
  return html`<p><a href="${path}?${params.toString()}">${label}</a></p>`;
}
