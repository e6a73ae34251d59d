import { filterError } from './error.ts';

export type Token =
  | { readonly kind: 'word'; readonly text: string; readonly position: number }
  | { readonly kind: 'string'; readonly text: string; readonly position: number; readonly value: string }
  | { readonly kind: 'number'; readonly text: string; readonly position: number; readonly value: number }
  | { readonly kind: '(' | ')' | '[' | ']' | 'end'; readonly text: string; readonly position: number };

const whitespace = /[ \t\r\n]/;
// Words are attribute paths (with URNs, dots, `$ref`), operators and keywords; the parser tells them apart.
const wordStart = /[A-Za-z_$.]/;
const wordChar = /[A-Za-z0-9_$.:-]/;
const numberPattern = /-?(?:0|[1-9][0-9]*)(?:\.[0-9]+)?(?:[eE][+-]?[0-9]+)?/y;
const escapes: Record<string, string> = {
  '"': '"',
  '\\': '\\',
  '/': '/',
  b: '\b',
  f: '\f',
  n: '\n',
  r: '\r',
  t: '\t',
};
const loneSurrogate = /\p{Cs}/u;

/** Splits filter text into tokens; strings and numbers follow JSON (RFC 8259), as RFC 7644 asks. */
export function tokenize(text: string): Token[] {
  const tokens: Token[] = [];
  let i = 0;
  while (i < text.length) {
    const c = text.charAt(i);
    const position = i + 1;
    if (whitespace.test(c)) {
      i++;
    } else if (c === '(' || c === ')' || c === '[' || c === ']') {
      tokens.push({ kind: c, text: c, position });
      i++;
    } else if (c === '"') {
      const token = readString(text, i);
      tokens.push(token);
      i += token.text.length;
    } else if (c === '-' || (c >= '0' && c <= '9')) {
      const token = readNumber(text, i);
      tokens.push(token);
      i += token.text.length;
    } else if (wordStart.test(c)) {
      let end = i + 1;
      while (end < text.length && wordChar.test(text.charAt(end))) end++;
      tokens.push({ kind: 'word', text: text.slice(i, end), position });
      i = end;
    } else if (c === "'") {
      throw filterError('strings are written in double quotes, not single quotes', position);
    } else {
      throw filterError(`unexpected character ${JSON.stringify(c)}`, position);
    }
  }
  tokens.push({ kind: 'end', text: '', position: text.length + 1 });
  return tokens;
}

function readString(text: string, start: number): Token {
  let value = '';
  let i = start + 1;
  while (i < text.length) {
    const c = text.charAt(i);
    if (c === '"') {
      if (value.includes('\0')) throw filterError('a string may not contain \\u0000', start + 1);
      if (loneSurrogate.test(value)) {
        throw filterError('a string holds an unpaired UTF-16 surrogate', start + 1);
      }
      return { kind: 'string', text: text.slice(start, i + 1), position: start + 1, value };
    }
    if (c < ' ') throw filterError('a control character inside a string must be escaped', i + 1);
    if (c !== '\\') {
      value += c;
      i++;
      continue;
    }
    const e = text.charAt(i + 1);
    const simple = escapes[e];
    if (simple !== undefined) {
      value += simple;
      i += 2;
    } else if (e === 'u' && /^[0-9A-Fa-f]{4}$/.test(text.slice(i + 2, i + 6))) {
      value += String.fromCharCode(Number.parseInt(text.slice(i + 2, i + 6), 16));
      i += 6;
    } else if (i + 1 >= text.length) {
      break;
    } else {
      throw filterError(`invalid escape ${JSON.stringify(`\\${e}`)} in a string`, i + 1);
    }
  }
  throw filterError('unterminated string starting', start + 1);
}

function readNumber(text: string, start: number): Token {
  numberPattern.lastIndex = start;
  const match = numberPattern.exec(text);
  const end = match ? start + match[0].length : start;
  if (!match || (end < text.length && wordChar.test(text.charAt(end)))) {
    let stop = end;
    while (stop < text.length && wordChar.test(text.charAt(stop))) stop++;
    throw filterError(
      `malformed number ${JSON.stringify(text.slice(start, Math.max(stop, start + 1)))}`,
      start + 1,
    );
  }
  const value = Number(match[0]);
  if (!Number.isFinite(value)) throw filterError(`number ${match[0]} is out of range`, start + 1);
  return { kind: 'number', text: match[0], position: start + 1, value };
}
