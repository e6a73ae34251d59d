import { dictionary } from '@zxcvbn-ts/language-common';

/**
 * Passwords too common to accept (NIST SP 800-63B 5.1.1.2: "passwords
 * obtained from previous breach corpuses … repetitive or sequential
 * characters"). The list is @zxcvbn-ts/language-common's: 49,233 passwords
 * from breach corpora, most common first, MIT-licensed, no install script.
 * Read once, on the first check.
 */
let lists: { readonly all: ReadonlySet<string>; readonly top: ReadonlySet<string> } | undefined;

function commonLists() {
  if (!lists) {
    const ranked = dictionary['passwords-common'].map((p) => p.toLowerCase());
    lists = { all: new Set(ranked), top: new Set(ranked.slice(0, 10_000)) };
  }
  return lists;
}

/** How many passwords the check knows (the list and its top part). */
export function commonPasswordCount(): { all: number; top: number } {
  const { all, top } = commonLists();
  return { all: all.size, top: top.size };
}

// Rows of the common layouts, and the QWERTY keyboard read row after row.
const keyboardRows = [
  '1234567890qwertyuiopasdfghjklzxcvbnm',
  'qwertzuiopasdfghjklyxcvbnm',
  'azertyuiopqsdfghjklmwxcvbn',
  'qazwsxedcrfvtgbyhnujmikolp',
];

/** The whole password runs along the alphabet, the digits (0 after 9) or a keyboard row, either way. */
function isSequence(text: string): boolean {
  if (text.length < 3) return false;
  const step = (a: string, b: string) => {
    if (/\d/.test(a) && /\d/.test(b)) return (Number(b) - Number(a) + 10) % 10;
    return b.charCodeAt(0) - a.charCodeAt(0);
  };
  const first = step(text[0] ?? '', text[1] ?? '');
  const runs =
    (first === 1 || first === -1 || first === 9) &&
    [...text].every((c, i) => i === 0 || step(text[i - 1] ?? '', c) === first);
  if (runs) return true;
  const reversed = [...text].reverse().join('');
  const rows = keyboardRows.map((row) => row.repeat(Math.ceil(text.length / row.length) + 1));
  return rows.some((row) => row.includes(text) || row.includes(reversed));
}

/** The password is one short piece over and over: `aaaaaaaaaaaa`, `abc123abc123`. */
function isRepetition(text: string): boolean {
  for (let unit = 1; unit <= Math.min(6, text.length / 2); unit++) {
    if (text.length % unit === 0 && text.slice(0, unit).repeat(text.length / unit) === text) return true;
  }
  return false;
}

/**
 * Whether a password is common: on the list (in any case), a top-10,000
 * password with digits or symbols around it (`Password123!`), a run along
 * the alphabet, the digits or a keyboard row, or one short piece repeated.
 */
export function isCommonPassword(password: string): boolean {
  const text = password.normalize('NFKC').toLowerCase();
  const { all, top } = commonLists();
  if (all.has(text) || isSequence(text) || isRepetition(text)) return true;
  const core = text.replace(/^[^\p{L}]+|[^\p{L}]+$/gu, '');
  return core !== text && top.has(core);
}
