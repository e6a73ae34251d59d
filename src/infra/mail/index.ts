export { addressOf, defaultMailFrom, isMailbox } from './address.ts';
export { logTransport } from './log.ts';
export { type SmtpTransportOptions, smtpTransport } from './smtp.ts';
export { parseSmtpUrl, type SmtpEndpoint } from './smtp-url.ts';
export { MailNotSent, type MailTransport, type OutgoingMail } from './transport.ts';
