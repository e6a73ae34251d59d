import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { sql } from 'kysely';
import supertest from 'supertest';
import { type TestApp, testApp } from '../../support/app.ts';
import { ConsoleClient, consoleMember, csrfFor } from '../../support/console.ts';
import { makeOrg, makeTeam } from '../../support/factories.ts';

interface ListedInvitation {
  id: string;
  email: string;
  status: string;
  role: string;
  teamIds: string[];
  tags: { key: string; value: string }[];
  expiresAt: string;
  sentCount: number;
}

async function invitations(t: TestApp, orgId: string, status = ''): Promise<ListedInvitation[]> {
  const res = await t.admin.get(`/api/v1/orgs/${orgId}/invitations${status ? `?status=${status}` : ''}`);
  assert.equal(res.status, 200, JSON.stringify(res.body));
  return res.body.data as ListedInvitation[];
}

/** The result table's rows: [row?, email, result text with tags stripped]. */
function resultRows(page: string): string[][] {
  const body = /<tbody>([\s\S]*?)<\/tbody>/.exec(page)?.[1] ?? '';
  return [...body.matchAll(/<tr>([\s\S]*?)<\/tr>/g)].map((row) =>
    [...(row[1] ?? '').matchAll(/<td>([\s\S]*?)<\/td>/g)].map((cell) =>
      (cell[1] ?? '').replace(/<[^>]+>/g, '').trim(),
    ),
  );
}

async function seeded(t: TestApp) {
  const org = await makeOrg(t, 'Acme Invites');
  const admin = await consoleMember(t, org.id, 'admin');
  const team = await makeTeam(t, org.id, 'Partners');
  const base = `/console/orgs/${org.slug}/invitations`;
  return { org, admin, team, base, c: new ConsoleClient(t, admin.cookie) };
}

/** Posts the CSV form as a browser would: multipart, the CSRF field first, then the file. */
async function uploadCsv(c: ConsoleClient, t: TestApp, base: string, csv: string | Buffer, csrf?: string) {
  let request = supertest(t.app).post(`${base}/csv`).set('Cookie', c.cookie);
  if (csrf !== undefined) request = request.field('csrf', csrf);
  return request.attach('file', Buffer.isBuffer(csv) ? csv : Buffer.from(csv), {
    filename: 'people.csv',
    contentType: 'text/csv',
  });
}

describe('console: invitations', () => {
  it('invites several at once, shows each link once and each refused email with its reason', async () => {
    const t = await testApp();
    const { org, admin, team, base, c } = await seeded(t);
    const earlier = await t.admin.post(`/api/v1/orgs/${org.id}/invitations`, {
      emails: ['bob@partner.test'],
    });
    assert.equal(earlier.status, 201);

    const sent = await c.submit(base, base, {
      emails: `ada@partner.test, alan@partner.test\nnot-an-email\nADA@partner.test\n${admin.email}\nbob@partner.test`,
      teams: [team.id],
      role: 'admin',
      expiresInDays: '3',
      tags: 'company=Partner Ltd\ncontract:2027\nvip',
      message: 'Welcome aboard',
    });
    assert.equal(sent.status, 200);
    assert.equal(sent.headers['cache-control'], 'no-store');
    const rows = resultRows(sent.text);
    // The first line of an email is its outcome; a repeat of it comes after.
    const byEmail = new Map<string, string>();
    for (const [email = '', result = ''] of rows) if (!byEmail.has(email)) byEmail.set(email, result);
    assert.match(byEmail.get('ada@partner.test') ?? '', /^Invited: https:\/\/muster\.test\/invite\/\S+$/);
    assert.match(byEmail.get('alan@partner.test') ?? '', /^Invited: https:\/\/muster\.test\/invite\/\S+$/);
    assert.match(byEmail.get('not-an-email') ?? '', /is not an email address \(invalid_email\)/);
    assert.match(byEmail.get(admin.email) ?? '', /already a member of the org \(already_member\)/);
    assert.match(
      byEmail.get('bob@partner.test') ?? '',
      /already has a pending invitation \(already_invited\)/,
    );
    assert.ok(
      rows.some(
        ([email, result]) =>
          /ada@partner\.test/i.test(email ?? '') && /duplicate_in_request/.test(result ?? ''),
      ),
      JSON.stringify(rows),
    );
    assert.match(sent.text, /2 invitations made, 4 not/);

    const made = (await invitations(t, org.id, 'pending')).filter((i) => i.email !== 'bob@partner.test');
    assert.deepEqual(made.map((i) => i.email).sort(), ['ada@partner.test', 'alan@partner.test']);
    for (const invitation of made) {
      assert.equal(invitation.role, 'admin');
      assert.deepEqual(invitation.teamIds, [team.id]);
      assert.deepEqual(invitation.tags, [
        { key: 'company', value: 'Partner Ltd' },
        { key: 'contract', value: '2027' },
        { key: 'vip', value: '' },
      ]);
      const days = (Date.parse(invitation.expiresAt) - Date.now()) / 86_400_000;
      assert.ok(days > 2.9 && days <= 3, `expires in 3 days, not ${days}`);
    }
    // The link works for the invited person.
    const link = /Invited: <code class="accept-url">https:\/\/muster\.test(\/invite\/[^<]+)<\/code>/.exec(
      sent.text,
    )?.[1];
    assert.ok(link);
    assert.equal((await t.http.get(link)).status, 200);

    const list = await c.get(base);
    assert.match(
      list.text,
      /<td>ada@partner\.test<\/td><td>pending<\/td><td>admin<\/td><td>Partners<\/td><td>company:Partner Ltd, contract:2027, vip<\/td>/,
    );
    assert.match(list.text, new RegExp(`<td>${admin.email.replace(/\./g, '\\.')}</td>`), 'the inviter');
    assert.match(list.text, /<td>queued<\/td>|<td>sent<\/td>/, 'how the mail stands');
    assert.doesNotMatch(list.text, /\/invite\/[A-Za-z0-9_-]{20,}/, 'no link on the list');
  });

  it('shows a refused request beside the form with everything typed kept', async () => {
    const t = await testApp();
    const { org, team, base, c } = await seeded(t);
    const fields = {
      emails: 'ada@partner.test\nalan@partner.test',
      teams: [team.id],
      role: 'admin',
      expiresInDays: '45',
      tags: 'company=Partner',
      message: 'Hello <there>',
    };
    const refused = await c.submit(base, base, fields);
    assert.equal(refused.status, 400);
    assert.match(refused.text, /role="alert">The request body is not valid \(expiresInDays: [^<]+\)/);
    assert.match(
      refused.text,
      /<textarea id="invite-emails" name="emails" rows="4" required>ada@partner\.test\nalan@partner\.test<\/textarea>/,
    );
    assert.match(refused.text, new RegExp(`value="${team.id}" checked`));
    assert.match(refused.text, /<option value="admin" selected>admin<\/option>/);
    assert.match(
      refused.text,
      /name="expiresInDays" type="number" min="1" max="30" inputmode="numeric" value="45"/,
    );
    assert.match(refused.text, />company=Partner<\/textarea>/);
    assert.match(refused.text, />Hello &lt;there&gt;<\/textarea>/);
    assert.equal((await invitations(t, org.id)).length, 0);

    const badTags = await c.submit(base, base, { emails: 'ada@partner.test', tags: `${'k'.repeat(80)}=v` });
    assert.equal(badTags.status, 400);
    assert.match(badTags.text, /tags\.0: key and value together must be at most 70 characters/);

    const none = await c.submit(base, base, { emails: ' , ' });
    assert.equal(none.status, 400);
    assert.match(none.text, /give at least one email/);

    await t.admin.patch(`/api/v1/orgs/${org.id}/invitation-settings`, { perHour: 1 });
    const limited = await c.submit(base, base, { emails: 'ada@partner.test, alan@partner.test' });
    assert.equal(limited.status, 429);
    assert.ok(limited.headers['retry-after'], 'says when to come back');
    assert.match(limited.text, /role="alert">[^<]*(hour|limit)/i);
    assert.equal((await invitations(t, org.id)).length, 0, 'refused whole');
  });

  it('invites from an uploaded CSV file with a report per row', async () => {
    const t = await testApp();
    const { org, team, base, c } = await seeded(t);
    const page = await c.get(base);
    const csrf = csrfFor(page.text, `${base}/csv`);
    assert.match(page.text, /enctype="multipart\/form-data"/);
    assert.match(
      page.text,
      /<input id="invite-csv" name="file" type="file" accept="\.csv,text\/csv" required>/,
    );
    const csv = [
      'Email,Teams,Role,Tags',
      `ada@partner.test,${team.slug},admin,company:Partner`,
      'bogus,,,',
      'alan@partner.test,,,',
      'ada@partner.test,,,',
    ].join('\r\n');
    const res = await uploadCsv(c, t, base, csv, csrf);
    assert.equal(res.status, 200, res.text.slice(0, 2000));
    const rows = resultRows(res.text);
    assert.deepEqual(
      rows.map(([row, email]) => [row, email]),
      [
        ['1', 'ada@partner.test'],
        ['2', 'bogus'],
        ['3', 'alan@partner.test'],
        ['4', 'ada@partner.test'],
      ],
    );
    assert.match(rows[0]?.[2] ?? '', /^Invited: https:\/\/muster\.test\/invite\//);
    assert.match(rows[1]?.[2] ?? '', /^Not invited: is not an email address/);
    assert.match(rows[2]?.[2] ?? '', /^Invited: /);
    assert.match(rows[3]?.[2] ?? '', /duplicate_in_request/);

    const made = await invitations(t, org.id);
    const ada = made.find((i) => i.email === 'ada@partner.test');
    assert.equal(ada?.role, 'admin');
    assert.deepEqual(ada?.teamIds, [team.id]);
    assert.deepEqual(made.map((i) => i.email).sort(), ['ada@partner.test', 'alan@partner.test']);

    const headerless = await uploadCsv(
      c,
      t,
      base,
      'ada@x.test\n',
      csrfFor((await c.get(base)).text, `${base}/csv`),
    );
    assert.equal(headerless.status, 400);
    assert.match(headerless.text, /role="alert">[^<]*email column/);

    const badRole = await uploadCsv(
      c,
      t,
      base,
      'email,role\nzed@x.test,owner\n',
      csrfFor((await c.get(base)).text, `${base}/csv`),
    );
    assert.equal(badRole.status, 400);
    assert.match(badRole.text, /rows\.1\.role: must be member or admin/);
    assert.equal((await invitations(t, org.id)).length, 2, 'nothing more made');
  });

  it('refuses an upload that is too big, not text, or without a file, changing nothing', async () => {
    const t = await testApp();
    const { org, base, c } = await seeded(t);
    const token = async () => csrfFor((await c.get(base)).text, `${base}/csv`);
    const big = Buffer.from(`email\n${'someone@partner.test\n'.repeat(60_000)}`);
    assert.ok(big.length > 1024 * 1024);
    const tooBig = await uploadCsv(c, t, base, big, await token());
    assert.equal(tooBig.status, 413);
    assert.match(tooBig.text, /larger than 1 MiB/);

    const binary = await uploadCsv(c, t, base, Buffer.from([0x65, 0x6d, 0x00, 0xff, 0xfe]), await token());
    assert.equal(binary.status, 400);
    assert.match(binary.text, /not CSV text/);

    const empty = await supertest(t.app)
      .post(`${base}/csv`)
      .set('Cookie', c.cookie)
      .field('csrf', await token());
    assert.equal(empty.status, 400);
    assert.match(empty.text, /Choose a CSV file/);

    const twoFiles = await supertest(t.app)
      .post(`${base}/csv`)
      .set('Cookie', c.cookie)
      .field('csrf', await token())
      .attach('file', Buffer.from('email\na@partner.test\n'), 'a.csv')
      .attach('file', Buffer.from('email\nb@partner.test\n'), 'b.csv');
    assert.equal(twoFiles.status, 400);
    assert.equal((await invitations(t, org.id)).length, 0);
  });

  it('refuses forged posts without the CSRF field: the form, the CSV upload, resend and revoke', async () => {
    const t = await testApp();
    const { org, base, c } = await seeded(t);
    await c.get(base);
    const forged = await c.post(base, { emails: 'eve@partner.test' });
    assert.equal(forged.status, 403);
    const upload = await uploadCsv(c, t, base, 'email\neve@partner.test\n');
    assert.equal(upload.status, 403);
    // The token of another form is refused too.
    const other = csrfFor((await c.get(base)).text, base);
    const swapped = await uploadCsv(c, t, base, 'email\neve@partner.test\n', other);
    assert.equal(swapped.status, 403);
    assert.equal((await invitations(t, org.id)).length, 0);

    const made = await t.admin.post(`/api/v1/orgs/${org.id}/invitations`, { emails: ['bob@partner.test'] });
    const id = made.body.invitations[0].id as string;
    assert.equal((await c.post(`${base}/${id}/revoke`, {})).status, 403);
    assert.equal((await c.post(`${base}/${id}/resend`, {})).status, 403);
    const [bob] = await invitations(t, org.id);
    assert.equal(bob?.status, 'pending');
    assert.equal(bob?.sentCount, 1);
  });

  it('resends (once a minute at most, the refusal shown) and revokes, and filters by status', async () => {
    const t = await testApp();
    const { org, base, c } = await seeded(t);
    const made = await t.admin.post(`/api/v1/orgs/${org.id}/invitations`, {
      emails: ['bob@partner.test', 'carol@partner.test'],
    });
    assert.equal(made.status, 201);
    const [bob, carol] = made.body.invitations as { id: string; email: string; acceptUrl: string }[];
    assert.ok(bob && carol);

    const list = await c.get(base);
    assert.match(list.text, /aria-label="Resend the invitation to bob@partner\.test">Resend</);
    assert.match(list.text, /aria-label="Revoke the invitation to bob@partner\.test">Revoke</);

    const tooSoon = await c.submit(base, `${base}/${bob.id}/resend`, {});
    assert.equal(tooSoon.status, 429);
    assert.match(tooSoon.text, /role="alert">The invitation was sent less than a minute ago/);
    assert.ok(Number(tooSoon.headers['retry-after']) > 0);

    await sql`update invitations set last_sent_at = now() - interval '2 minutes' where id = ${bob.id}`.execute(
      t.database.db,
    );
    const resent = await c.submit(base, `${base}/${bob.id}/resend`, {});
    assert.equal(resent.status, 200);
    const fresh =
      /Sent again to bob@partner\.test\.[^<]*<\/p><p class="secret">https:\/\/muster\.test(\/invite\/[^<]+)<\/p>/.exec(
        resent.text,
      )?.[1];
    assert.ok(fresh, 'the fresh link, once');
    assert.notEqual(`https://muster.test${fresh}`, bob.acceptUrl);
    assert.equal((await t.http.get(fresh)).status, 200);
    assert.notEqual(
      (await t.http.get(new URL(bob.acceptUrl).pathname)).status,
      200,
      'the old link stops working',
    );
    assert.equal((await invitations(t, org.id)).find((i) => i.id === bob.id)?.sentCount, 2);

    const revoked = await c.submit(base, `${base}/${carol.id}/revoke`, {});
    assert.equal(revoked.status, 303);
    assert.equal(revoked.headers.location, base);
    const after = await c.get(base);
    assert.match(after.text, /The invitation to carol@partner\.test is revoked\./);
    assert.equal((await invitations(t, org.id, 'revoked'))[0]?.id, carol.id);

    const onlyRevoked = await c.get(`${base}?status=revoked`);
    assert.match(onlyRevoked.text, /<td>carol@partner\.test<\/td><td>revoked<\/td>/);
    assert.doesNotMatch(onlyRevoked.text, /bob@partner\.test/);
    assert.doesNotMatch(onlyRevoked.text, /Revoke the invitation to carol/, 'no buttons on a revoked one');
    assert.match(onlyRevoked.text, /<option value="revoked" selected>revoked<\/option>/);

    // Revoked already (a second tab's button): the API's refusal, shown.
    const token = csrfFor((await c.get(base)).text, `${base}/${bob.id}/revoke`);
    const twice = await c.post(`${base}/${carol.id}/revoke`, { csrf: token });
    assert.ok(twice.status >= 400 && twice.status < 500, String(twice.status));
    assert.match(twice.text, /role="alert"/);

    const badStatus = await c.get(`${base}?status=lost`);
    assert.equal(badStatus.status, 400);
    assert.match(badStatus.text, /role="alert"/);
  });

  it('pages through invitations keeping the status filter', async () => {
    const t = await testApp();
    const { org, base, c } = await seeded(t);
    const emails = Array.from({ length: 51 }, (_, i) => `p${i}@partner.test`);
    assert.equal((await t.admin.post(`/api/v1/orgs/${org.id}/invitations`, { emails })).status, 201);
    const first = await c.get(`${base}?status=pending`);
    const count = (page: string) => (page.match(/<td>pending<\/td>/g) ?? []).length;
    assert.equal(count(first.text), 50);
    const next = /<a href="([^"]+)">Next page<\/a>/.exec(first.text)?.[1]?.replace(/&amp;/g, '&');
    assert.ok(next);
    assert.match(next, /status=pending/);
    const second = await c.get(next);
    assert.equal(count(second.text), 1);
  });

  it('escapes hostile emails, team names and tags', async () => {
    const t = await testApp();
    const org = await makeOrg(t, 'Acme');
    const admin = await consoleMember(t, org.id, 'admin');
    const team = await makeTeam(t, org.id, '<img src=x onerror=alert(1)>');
    const c = new ConsoleClient(t, admin.cookie);
    const base = `/console/orgs/${org.slug}/invitations`;
    const made = await c.submit(base, base, {
      emails: '<script>alert(1)</script>@x.test\nok@partner.test',
      teams: [team.id],
      tags: 'note=<b>bold</b>',
    });
    assert.equal(made.status, 200);
    assert.doesNotMatch(made.text, /<script>|<img src=x|<b>bold/);
    assert.match(made.text, /&lt;script&gt;alert\(1\)&lt;\/script&gt;@x\.test/);
    const list = await c.get(base);
    assert.equal(list.status, 200);
    assert.doesNotMatch(list.text, /<script>|<img src=x|<b>bold/);
    assert.match(list.text, /note:&lt;b&gt;bold&lt;\/b&gt;/);
  });
});
