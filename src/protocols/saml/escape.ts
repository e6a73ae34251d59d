const entities: Record<string, string> = {
  '&': '&amp;',
  '<': '&lt;',
  '>': '&gt;',
  '"': '&quot;',
  "'": '&apos;',
};

/** Text safe inside an XML attribute value or element content. */
export function escapeXml(value: string): string {
  return value.replace(/[&<>"']/g, (c) => entities[c] ?? c);
}
