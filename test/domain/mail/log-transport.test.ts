import assert from 'node:assert/strict';
import { Writable } from 'node:stream';
import { describe, it } from 'node:test';
import winston from 'winston';
import { logTransport } from '../../../src/infra/mail/index.ts';
import { testApp } from '../../support/app.ts';
import { makeOrg } from '../../support/factories.ts';
import { outboxRow, queued, sampleMail, testMailDispatcher } from '../../support/mail.ts';

/** A JSON logger whose lines the test reads back. */
function capturedLogger() {
  const lines: Record<string, unknown>[] = [];
  const stream = new Writable({
    write(chunk: Buffer, _encoding, done) {
      lines.push(JSON.parse(chunk.toString('utf8')) as Record<string, unknown>);
      done();
    },
  });
  const logger = winston.createLogger({
    level: 'info',
    format: winston.format.json(),
    transports: [new winston.transports.Stream({ stream })],
  });
  return { logger, lines };
}

describe('mail without SMTP_URL', () => {
  it('is written to the log at info, with to, subject and the text part, and marked sent', async () => {
    const t = await testApp();
    const org = await makeOrg(t);
    const { logger, lines } = capturedLogger();
    const mail = sampleMail(org.id, { subject: 'You are invited to Log Org' });
    const id = await queued(t.database.db, mail);

    const transport = logTransport(logger);
    assert.equal(transport.target, 'log');
    await testMailDispatcher(t.database.db, transport).drain(org.id);

    const row = await outboxRow(t.database.db, id);
    assert.equal(row.state, 'sent');
    assert.equal(row.attempts, 1);
    assert.ok(row.sent_at);
    const logged = lines.filter((l) => l.mailId === id);
    assert.equal(logged.length, 1);
    const line = logged[0] ?? {};
    assert.equal(line.level, 'info');
    assert.match(String(line.message), /You are invited to Log Org/);
    assert.equal(line.to, mail.to);
    assert.equal(line.subject, mail.subject);
    // The text part, its link included: the operator of a fresh install passes the link on from here.
    assert.equal(line.text, mail.text);
    assert.ok(!('html' in line), 'the HTML part is left out');
    assert.ok(!JSON.stringify(line).includes('<a href'), 'no HTML in the line');
  });
});
