/**
 * Mail domains anyone can sign up at: no organization owns them, so none
 * may route its sign-ins or claim the people who use them. A domain below
 * one of these (mail.yahoo.com) is refused too.
 */
export const publicMailDomains: ReadonlySet<string> = new Set([
  '163.com',
  '126.com',
  'aim.com',
  'aol.com',
  'fastmail.com',
  'gmail.com',
  'gmx.at',
  'gmx.ch',
  'gmx.com',
  'gmx.de',
  'gmx.net',
  'googlemail.com',
  'hey.com',
  'hotmail.co.uk',
  'hotmail.com',
  'hotmail.de',
  'hotmail.fr',
  'icloud.com',
  'live.com',
  'mac.com',
  'mail.com',
  'mail.ru',
  'me.com',
  'msn.com',
  'naver.com',
  'outlook.com',
  'outlook.de',
  'pm.me',
  'proton.me',
  'protonmail.ch',
  'protonmail.com',
  'qq.com',
  'rambler.ru',
  'rediffmail.com',
  't-online.de',
  'tutanota.com',
  'web.de',
  'yahoo.co.jp',
  'yahoo.co.uk',
  'yahoo.com',
  'yahoo.de',
  'yahoo.fr',
  'yandex.com',
  'yandex.ru',
  'ymail.com',
  'zoho.com',
]);

export function isPublicMailDomain(domain: string): boolean {
  for (let at = domain; at.includes('.'); at = at.slice(at.indexOf('.') + 1)) {
    if (publicMailDomains.has(at)) return true;
  }
  return false;
}
