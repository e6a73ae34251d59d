export { MailDispatcher, type MailDispatcherOptions, type MailFailure } from './dispatcher.ts';
export { escapeHtml, type Mail, queueMail } from './queue.ts';
