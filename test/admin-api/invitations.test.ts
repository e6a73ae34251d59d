import assert from 'node:assert/strict';
import { createHash, randomUUID } from 'node:crypto';
import { describe, it } from 'node:test';
import type supertest from 'supertest';
import { publicUrl, type TestApp, testApp } from '../support/app.ts';
import { assertError, isoPattern, uuidPattern } from '../support/assertions.ts';
import { auditOf } from '../support/audit.ts';
import { makeApiKey, makeOrg, makeTeam, type OrgBody } from '../support/factories.ts';
import { feedEvents } from '../support/feed.ts';
import { pushUsers } from '../support/mappings.ts';
import { makeDirectory, scimClient } from '../support/scim.ts';

interface InvitationBody {
  id: string;
  email: string;
  role: string;
  teamIds: string[];
  tags: { key: string; value: string }[];
  message: string | null;
  status: string;
  expiresAt: string;
  invitedBy: { type: string; id: string | null; userId: string | null };
  acceptedAt: string | null;
  acceptedUserId: string | null;
  revokedAt: string | null;
  sentCount: number;
  lastSentAt: string;
  delivery: {
    state: string;
    attempts: number;
    lastError: string | null;
    sentAt: string | null;
    nextAttemptAt: string | null;
  } | null;
  createdAt: string;
  updatedAt: string;
  acceptUrl?: string;
  row?: number;
}

interface InviteErrorBody {
  email: string;
  code: string;
  message: string;
  row?: number;
}

interface InviteResultBody {
  invitations: InvitationBody[];
  errors: InviteErrorBody[];
}

interface EventBody {
  id: string;
  type: string;
  data: Record<string, unknown>;
}

const invitationKeys = [
  'acceptedAt',
  'acceptedUserId',
  'createdAt',
  'delivery',
  'email',
  'expiresAt',
  'id',
  'invitedBy',
  'message',
  'revokedAt',
  'role',
  'sentCount',
  'lastSentAt',
  'status',
  'tags',
  'teamIds',
  'updatedAt',
].sort();

const day = 86_400_000;
const acceptUrlPattern = new RegExp(`^${publicUrl.replace(/[.]/g, '\\.')}/invite/([A-Za-z0-9_-]{43})$`);
const sha256 = (text: string) => createHash('sha256').update(text, 'utf8').digest('hex');

async function setup(name = 'Invite Org') {
  const t = await testApp();
  const org = await makeOrg(t, name);
  return { t, org, base: `/api/v1/orgs/${org.id}/invitations` };
}

async function invite(t: TestApp, base: string, body: object): Promise<InviteResultBody> {
  const res = await t.admin.post(base, body);
  assert.equal(res.status, 201, JSON.stringify(res.body));
  return res.body as InviteResultBody;
}

async function inviteOne(
  t: TestApp,
  base: string,
  email: string,
  body: object = {},
): Promise<InvitationBody> {
  const result = await invite(t, base, { emails: [email], ...body });
  assert.deepEqual(result.errors, []);
  const [created] = result.invitations;
  assert.ok(created, JSON.stringify(result));
  return created;
}

/** The token an accept link carries. */
function tokenOf(acceptUrl: string | undefined): string {
  const match = acceptUrlPattern.exec(acceptUrl ?? '');
  assert.ok(match?.[1], `accept URL ${acceptUrl}`);
  return match[1];
}

function rowsOf(t: TestApp, orgId: string) {
  return t.database.db
    .selectFrom('invitations')
    .selectAll()
    .where('org_id', '=', orgId)
    .orderBy('id')
    .execute();
}

function mailsOf(t: TestApp, orgId: string) {
  return t.database.db
    .selectFrom('mail_outbox')
    .selectAll()
    .where('org_id', '=', orgId)
    .orderBy('id')
    .execute();
}

async function rowOf(t: TestApp, id: string) {
  const row = await t.database.db
    .selectFrom('invitations')
    .selectAll()
    .where('id', '=', id)
    .executeTakeFirst();
  assert.ok(row, `invitation ${id} is stored`);
  return row;
}

/** Moves an invitation's end into the past: it reads as expired from now on. */
async function lapse(t: TestApp, id: string): Promise<void> {
  await t.database.db
    .updateTable('invitations')
    .set({ expires_at: new Date(Date.now() - 60_000) })
    .where('id', '=', id)
    .execute();
}

/** Moves an invitation's last send two minutes back: past the resend cooldown, within the hour. */
async function sentTwoMinutesAgo(t: TestApp, id: string): Promise<void> {
  await t.database.db
    .updateTable('invitations')
    .set({ last_sent_at: new Date(Date.now() - 120_000) })
    .where('id', '=', id)
    .execute();
}

async function setSettings(t: TestApp, org: string, patch: object) {
  const res = await t.admin.patch(`/api/v1/orgs/${org}/invitation-settings`, patch);
  assert.equal(res.status, 200, JSON.stringify(res.body));
  return res.body as { expiryDays: number; perHour: number; reminders: boolean };
}

async function listIds(t: TestApp, base: string, query = ''): Promise<string[]> {
  const res = await t.admin.get(`${base}${query}`);
  assert.equal(res.status, 200, JSON.stringify(res.body));
  return (res.body.data as InvitationBody[]).map((i) => i.id);
}

async function feed(t: TestApp, org: string, types: string, atLeast = 0): Promise<EventBody[]> {
  return (await feedEvents(t, org, types, atLeast)) as unknown as EventBody[];
}

/** A 400 validation_failed whose details name this path. */
function assertInvalid(res: supertest.Response, path: string): void {
  assertError(res, 400, 'validation_failed');
  const paths = (res.body.error.details as { path?: string }[]).map((d) => d.path);
  assert.ok(paths.includes(path), `details ${JSON.stringify(res.body.error.details)} name ${path}`);
}

/** A 422 unprocessable whose details name this path. */
function assertUnprocessable(res: supertest.Response, path: string): void {
  assertError(res, 422, 'unprocessable');
  assert.deepEqual(
    (res.body.error.details as { path?: string }[]).map((d) => d.path),
    [path],
    JSON.stringify(res.body.error),
  );
}

function assertAbout(actual: string, expectedMs: number, what: string): void {
  const at = new Date(actual).getTime();
  assert.ok(
    Math.abs(at - expectedMs) < 60_000,
    `${what}: ${actual} is not about ${new Date(expectedMs).toISOString()}`,
  );
}

/** Makes a member of the org over SCIM. */
async function makeMember(t: TestApp, org: OrgBody, email: string): Promise<void> {
  const dir = await makeDirectory(t, org.id, 'okta');
  await pushUsers(scimClient(t, dir.id, dir.token), [email]);
}

describe('POST /api/v1/orgs/{org}/invitations', () => {
  const threeWays: [string, string | string[]][] = [
    ['an array', ['ada@three.test', 'Grace@Three.test', ' alan@three.test ']],
    ['a comma-separated string', 'ada@three.test, Grace@Three.test,alan@three.test'],
    ['a newline-separated string', 'ada@three.test\nGrace@Three.test\r\n\r\nalan@three.test\n'],
    ['a string mixing commas and lines', 'ada@three.test,\nGrace@Three.test\n, alan@three.test'],
  ];
  for (const [how, emails] of threeWays) {
    it(`invites three people given as ${how}, one invitation and one mail each`, async () => {
      const { t, org, base } = await setup();
      const before = Date.now();
      const res = await t.admin.post(base, { emails });
      assert.equal(res.status, 201, JSON.stringify(res.body));
      const body = res.body as InviteResultBody;
      assert.deepEqual(Object.keys(body).sort(), ['errors', 'invitations']);
      assert.deepEqual(body.errors, []);
      assert.deepEqual(
        body.invitations.map((i) => i.email),
        ['ada@three.test', 'grace@three.test', 'alan@three.test'],
      );
      for (const invitation of body.invitations) {
        assert.deepEqual(Object.keys(invitation).sort(), [...invitationKeys, 'acceptUrl'].sort());
        assert.match(invitation.id, uuidPattern);
        assert.equal(invitation.status, 'pending');
        assert.equal(invitation.role, 'member');
        assert.deepEqual(invitation.teamIds, []);
        assert.deepEqual(invitation.tags, []);
        assert.equal(invitation.message, null);
        assert.equal(invitation.sentCount, 1);
        assert.equal(invitation.acceptedAt, null);
        assert.equal(invitation.revokedAt, null);
        assert.equal(invitation.invitedBy.type, 'admin_token');
        assert.equal(invitation.delivery?.state, 'queued');
        assert.match(invitation.expiresAt, isoPattern);
        assertAbout(invitation.expiresAt, before + 7 * day, 'the default expiry of 7 days');
        tokenOf(invitation.acceptUrl);
      }
      const tokens = new Set(body.invitations.map((i) => tokenOf(i.acceptUrl)));
      assert.equal(tokens.size, 3, 'each invitation has its own token');
      assert.deepEqual(
        (await rowsOf(t, org.id)).map((r) => r.email),
        ['ada@three.test', 'grace@three.test', 'alan@three.test'],
      );
      const mails = await mailsOf(t, org.id);
      assert.deepEqual(
        mails.map((m) => [m.kind, m.subject_id, m.to_address]),
        body.invitations.map((i) => ['invitation', i.id, i.email]),
      );
    });
  }

  it('reports invalid emails, repeats, members and pending invitations per email while inviting the rest', async () => {
    const { t, org, base } = await setup();
    await makeMember(t, org, 'member@report.test');
    const pending = await inviteOne(t, base, 'pending@report.test');
    const res = await t.admin.post(base, {
      emails: [
        'ada@report.test',
        'not-an-email',
        'two@@report.test',
        'space in@report.test',
        'nodomain@localhost',
        'ADA@report.test',
        'MEMBER@report.test',
        'pending@report.test',
        'grace@report.test',
        'grace@report.test',
        'alan@report.test',
      ],
    });
    assert.equal(res.status, 201, JSON.stringify(res.body));
    const body = res.body as InviteResultBody;
    assert.deepEqual(
      body.invitations.map((i) => i.email),
      ['ada@report.test', 'grace@report.test', 'alan@report.test'],
    );
    const byEmail = (e: InviteErrorBody) => `${e.code} ${e.email}`;
    assert.deepEqual(body.errors.map(byEmail).sort(), [
      'already_invited pending@report.test',
      'already_member member@report.test',
      'duplicate_in_request ada@report.test',
      'duplicate_in_request grace@report.test',
      'invalid_email nodomain@localhost',
      'invalid_email not-an-email',
      'invalid_email space in@report.test',
      'invalid_email two@@report.test',
    ]);
    for (const error of body.errors) {
      assert.deepEqual(Object.keys(error).sort(), ['code', 'email', 'message']);
      assert.ok(error.message.length > 0);
    }
    // Only the three new people got an invitation and a mail; the pending one is untouched.
    const rows = await rowsOf(t, org.id);
    assert.deepEqual(rows.map((r) => r.email).sort(), [
      'ada@report.test',
      'alan@report.test',
      'grace@report.test',
      'pending@report.test',
    ]);
    assert.equal((await mailsOf(t, org.id)).length, 4);
    const kept = await rowOf(t, pending.id);
    assert.equal(kept.sent_count, 1);
    assert.equal(kept.status, 'pending');
  });

  it('answers 201 with only errors when nobody can be invited', async () => {
    const { t, org, base } = await setup();
    await inviteOne(t, base, 'once@only.test');
    const body = await invite(t, base, { emails: 'once@only.test, nope' });
    assert.deepEqual(body.invitations, []);
    assert.deepEqual(body.errors.map((e) => e.code).sort(), ['already_invited', 'invalid_email']);
    assert.equal((await rowsOf(t, org.id)).length, 1);
  });

  const tooMany = Array.from({ length: 501 }, (_, i) => `person${i}@many.test`);
  const tooManyCases: [string, string | string[]][] = [
    ['an array', tooMany],
    ['a string', tooMany.join(',')],
    ['a string of lines', tooMany.join('\n')],
  ];
  for (const [how, emails] of tooManyCases) {
    it(`refuses 501 emails as ${how} with 400, inviting nobody`, async () => {
      const { t, org, base } = await setup();
      assertInvalid(await t.admin.post(base, { emails }), 'emails');
      assert.deepEqual(await rowsOf(t, org.id), []);
      assert.deepEqual(await mailsOf(t, org.id), []);
    });
  }

  it('takes 500 emails: the limit is 501, not 500', async () => {
    const { t, org, base } = await setup();
    // Invalid on purpose: the request is read whole without sending 500 mails.
    const emails = Array.from({ length: 500 }, (_, i) => `person${i}-at-many.test`);
    const body = await invite(t, base, { emails });
    assert.equal(body.errors.length, 500);
    assert.ok(body.errors.every((e) => e.code === 'invalid_email'));
    assert.deepEqual(await rowsOf(t, org.id), []);
  });

  const badBodies: [string, object, string][] = [
    ['no emails at all', {}, 'emails'],
    ['an empty array', { emails: [] }, 'emails'],
    ['a string of separators only', { emails: ' , \n ' }, 'emails'],
    ['emails as a number', { emails: 42 }, 'emails'],
    ['an unknown field', { emails: ['a@bad.test'], owner: true }, 'owner'],
  ];
  for (const [what, body, path] of badBodies) {
    it(`answers 400 for ${what}`, async () => {
      const { t, org, base } = await setup();
      assertInvalid(await t.admin.post(base, body), path);
      assert.deepEqual(await rowsOf(t, org.id), []);
    });
  }

  describe('teams', () => {
    async function withTeams() {
      const s = await setup();
      const platform = await makeTeam(s.t, s.org.id, 'Platform');
      const data = await makeTeam(s.t, s.org.id, 'Data Science');
      return { ...s, platform, data };
    }

    const refs: [string, (p: { id: string; slug: string }) => string][] = [
      ['its name', () => 'Platform'],
      ['its name in another case', () => 'pLATFORM'],
      ['its name with spaces around', () => '  Platform '],
      ['its slug', (p) => p.slug],
      ['its slug in upper case', (p) => p.slug.toUpperCase()],
      ['its id', (p) => p.id],
      ['its id in upper case', (p) => p.id.toUpperCase()],
    ];
    for (const [how, ref] of refs) {
      it(`names a team by ${how}`, async () => {
        const { t, org, base, platform, data } = await withTeams();
        const created = await inviteOne(t, base, 'ada@teams.test', {
          teams: [ref(platform), 'data science'],
        });
        assert.deepEqual(created.teamIds, [platform.id, data.id]);
        assert.deepEqual((await rowOf(t, created.id)).team_ids, [platform.id, data.id]);
        const [mail] = await mailsOf(t, org.id);
        assert.ok(mail);
        assert.match(mail.text_body, /Teams: Platform, Data Science\./);
      });
    }

    it('names a team once when it is given by name and by slug', async () => {
      const { t, base, platform } = await withTeams();
      const created = await inviteOne(t, base, 'ada@teams.test', { teams: ['Platform', platform.slug] });
      assert.deepEqual(created.teamIds, [platform.id]);
    });

    it('answers 422 naming the unknown team, inviting nobody', async () => {
      const { t, org, base, platform } = await withTeams();
      const res = await t.admin.post(base, {
        emails: ['ada@teams.test', 'grace@teams.test'],
        teams: [platform.slug, 'Nonexistent'],
      });
      assertUnprocessable(res, 'teams.1');
      assert.match(res.body.error.message, /Nonexistent/);
      assert.deepEqual(await rowsOf(t, org.id), []);
      assert.deepEqual(await mailsOf(t, org.id), []);
    });

    it("answers 422 for another org's team, by id and by slug", async () => {
      const { t, base } = await withTeams();
      const other = await makeOrg(t, 'Other');
      const theirs = await makeTeam(t, other.id, 'Theirs');
      assertUnprocessable(
        await t.admin.post(base, { emails: ['a@teams.test'], teams: [theirs.id] }),
        'teams.0',
      );
      assertUnprocessable(
        await t.admin.post(base, { emails: ['a@teams.test'], teams: [theirs.slug] }),
        'teams.0',
      );
    });

    it('points at the unknown team by its own index when an earlier team is given twice', async () => {
      const { t, base, platform } = await withTeams();
      const res = await t.admin.post(base, {
        emails: ['ada@teams.test'],
        teams: [platform.slug, platform.slug, 'Nonexistent'],
      });
      // teams.2 is 'Nonexistent'; teams.1 is the Platform slug again.
      assertUnprocessable(res, 'teams.2');
    });

    it('answers 422 for a name two teams share (in any case), and takes either by slug', async () => {
      const { t, org, base } = await withTeams();
      const first = await makeTeam(t, org.id, 'Design');
      const second = await makeTeam(t, org.id, 'design');
      for (const name of ['Design', 'DESIGN']) {
        const res = await t.admin.post(base, { emails: ['ada@teams.test'], teams: [name] });
        assertUnprocessable(res, 'teams.0');
        assert.match(res.body.error.message, /Several teams/);
      }
      assert.deepEqual(await rowsOf(t, org.id), []);
      const created = await inviteOne(t, base, 'ada@teams.test', { teams: [second.slug, first.id] });
      assert.deepEqual(created.teamIds, [second.id, first.id]);
    });
  });

  describe('tags', () => {
    const k35 = 'k'.repeat(35);
    const eleven = Array.from({ length: 11 }, (_, i) => `tag${i}`);
    const invalidTags: [string, unknown[], string][] = [
      ['11 tags', eleven, 'tags'],
      ['a key and value of 71 characters', [`${k35}:${'v'.repeat(36)}`], 'tags.0'],
      ['a key alone of 71 characters', ['k'.repeat(71)], 'tags.0'],
      ['an object whose key and value are 71 characters', [{ key: k35, value: 'v'.repeat(36) }], 'tags.0'],
      ['the same key twice', ['env:prod', 'env:dev'], 'tags.1'],
      [
        'the same key twice, once bare and once as an object',
        ['team', { key: 'team', value: 'x' }],
        'tags.1',
      ],
      ['a control character in a key', ['ok', 'bad\u0007key'], 'tags.1'],
      ['a control character in a value', ['env:pr\u0000od'], 'tags.0'],
      ['a line break inside an object value', [{ key: 'env', value: 'a\nb' }], 'tags.0'],
      ['an empty key', [':value'], 'tags.0'],
      ['an object with an unknown field', [{ key: 'env', value: 'x', extra: 1 }], 'tags.0.extra'],
    ];
    for (const [what, tags, path] of invalidTags) {
      it(`answers 400 for ${what}`, async () => {
        const { t, org, base } = await setup();
        assertInvalid(await t.admin.post(base, { emails: ['ada@tags.test'], tags }), path);
        assert.deepEqual(await rowsOf(t, org.id), []);
      });
    }

    it('takes 10 tags, bare, key:value and objects, up to 70 characters together', async () => {
      const { t, base } = await setup();
      const tags = [
        'vip',
        'env:prod',
        ' source : csv ',
        'url:https://x.test/a:b',
        { key: 'region', value: 'eu' },
        { key: 'bare' },
        `${k35}:${'v'.repeat(35)}`,
        'k'.repeat(70),
        't9',
        't10:',
      ];
      const created = await inviteOne(t, base, 'ada@tags.test', { tags });
      assert.deepEqual(created.tags, [
        { key: 'vip', value: '' },
        { key: 'env', value: 'prod' },
        { key: 'source', value: 'csv' },
        { key: 'url', value: 'https://x.test/a:b' },
        { key: 'region', value: 'eu' },
        { key: 'bare', value: '' },
        { key: k35, value: 'v'.repeat(35) },
        { key: 'k'.repeat(70), value: '' },
        { key: 't9', value: '' },
        { key: 't10', value: '' },
      ]);
      assert.deepEqual((await rowOf(t, created.id)).tags, created.tags);
    });
  });

  const badRoles = ['owner', 'Owner', 'ADMIN', 'superadmin', ''];
  for (const role of badRoles) {
    it(`answers 400 for the role ${JSON.stringify(role)}`, async () => {
      const { t, org, base } = await setup();
      assertInvalid(await t.admin.post(base, { emails: ['ada@role.test'], role }), 'role');
      assert.deepEqual(await rowsOf(t, org.id), []);
    });
  }

  it('grants the admin role when asked', async () => {
    const { t, org, base } = await setup();
    const created = await inviteOne(t, base, 'ada@role.test', { role: 'admin' });
    assert.equal(created.role, 'admin');
    const [mail] = await mailsOf(t, org.id);
    assert.match(mail?.text_body ?? '', /as an admin\./);
  });

  const badDays: unknown[] = [0, 31, -1, 1.5, '7', null];
  for (const expiresInDays of badDays) {
    it(`answers 400 for expiresInDays ${JSON.stringify(expiresInDays)}`, async () => {
      const { t, org, base } = await setup();
      assertInvalid(await t.admin.post(base, { emails: ['ada@days.test'], expiresInDays }), 'expiresInDays');
      assert.deepEqual(await rowsOf(t, org.id), []);
    });
  }

  for (const days of [1, 30]) {
    it(`ends an invitation after expiresInDays ${days}`, async () => {
      const { t, base } = await setup();
      const before = Date.now();
      const created = await inviteOne(t, base, 'ada@days.test', { expiresInDays: days });
      assertAbout(created.expiresAt, before + days * day, `${days} days`);
      assert.equal((await rowOf(t, created.id)).expires_at.getTime(), new Date(created.expiresAt).getTime());
    });
  }

  it("applies the org's default expiry, and expiresInDays over it", async () => {
    const { t, org, base } = await setup();
    const settings = await setSettings(t, org.id, { expiryDays: 3 });
    assert.deepEqual(settings, { expiryDays: 3, perHour: 200, reminders: true });
    const before = Date.now();
    const byDefault = await inviteOne(t, base, 'ada@default.test');
    assertAbout(byDefault.expiresAt, before + 3 * day, 'the org default of 3 days');
    const explicit = await inviteOne(t, base, 'grace@default.test', { expiresInDays: 10 });
    assertAbout(explicit.expiresAt, before + 10 * day, 'expiresInDays 10');
  });

  it('gives a PUBLIC_URL/invite/<token> link and keeps only the SHA-256 of the token', async () => {
    const { t, org, base } = await setup();
    const result = await invite(t, base, { emails: ['ada@token.test', 'grace@token.test'] });
    const tokens = result.invitations.map((i) => tokenOf(i.acceptUrl));
    for (const [i, invitation] of result.invitations.entries()) {
      const token = tokens[i] ?? '';
      assert.equal(invitation.acceptUrl, `${publicUrl}/invite/${token}`);
      const row = await rowOf(t, invitation.id);
      assert.equal(row.token_hash, sha256(token));
      assert.ok(!JSON.stringify(row).includes(token), 'the token is not stored');
    }
    // Nowhere else the token could leak: the audit log, the events, the reads.
    const audit = await t.admin.get(`/api/v1/orgs/${org.id}/audit-events?limit=200`);
    assert.equal(audit.status, 200);
    assert.ok(audit.body.data.length >= 2);
    const events = await t.admin.get(`/api/v1/orgs/${org.id}/events?limit=200`);
    assert.equal(events.status, 200);
    assert.ok(events.body.data.length >= 2);
    const list = await t.admin.get(base);
    const one = await t.admin.get(`${base}/${result.invitations[0]?.id}`);
    for (const token of tokens)
      for (const [what, res] of [
        ['audit log', audit],
        ['events', events],
        ['list', list],
        ['get', one],
      ] as const) {
        const text = JSON.stringify(res.body);
        assert.ok(!text.includes(token), `the token is not in the ${what}`);
        assert.ok(!text.includes(sha256(token)), `the token hash is not in the ${what}`);
      }
    assert.ok(!('acceptUrl' in one.body), 'a read does not show the link');
  });

  it('queues a mail with the link, the org name, the teams, the message and the expiry in both parts', async () => {
    const { t, org, base } = await setup('Acme & Sons');
    await makeTeam(t, org.id, 'Platform');
    const created = await inviteOne(t, base, 'Ada@Mail.test', {
      teams: ['Platform'],
      message: 'Welcome <aboard>',
    });
    const mails = await mailsOf(t, org.id);
    assert.equal(mails.length, 1);
    const [mail] = mails;
    assert.ok(mail);
    assert.equal(mail.kind, 'invitation');
    assert.equal(mail.subject_id, created.id);
    assert.equal(mail.to_address, 'ada@mail.test');
    assert.equal(mail.state, 'queued');
    assert.match(mail.subject, /Acme & Sons/);
    const expires = new Date(created.expiresAt);
    const date = expires.toLocaleDateString('en-GB', {
      day: 'numeric',
      month: 'long',
      year: 'numeric',
      timeZone: 'UTC',
    });
    const time = expires.toLocaleTimeString('en-GB', { hour: '2-digit', minute: '2-digit', timeZone: 'UTC' });
    const link = created.acceptUrl ?? '';
    assert.ok(link.length > 0);
    for (const [part, body, orgName, message] of [
      ['text', mail.text_body, 'Acme & Sons', 'Welcome <aboard>'],
      ['html', mail.html_body, 'Acme &amp; Sons', 'Welcome &lt;aboard&gt;'],
    ] as const) {
      assert.ok(body.includes(link), `the ${part} part has the link`);
      assert.ok(body.includes(orgName), `the ${part} part names the org`);
      assert.ok(body.includes(date), `the ${part} part has the end date ${date}`);
      assert.ok(body.includes(`${time} UTC`), `the ${part} part has the end time ${time} UTC`);
      assert.ok(body.includes('Platform'), `the ${part} part names the team`);
      assert.ok(body.includes(message), `the ${part} part has the message`);
    }
    assert.ok(!mail.html_body.includes('<aboard>'), 'the html part escapes the message');
    assert.ok(mail.html_body.includes(`href="${link}"`));
  });

  it("shows the delivery of the invitation's latest mail", async () => {
    const { t, org, base } = await setup();
    const created = await inviteOne(t, base, 'ada@delivery.test');
    assert.deepEqual(created.delivery, {
      state: 'queued',
      attempts: 0,
      lastError: null,
      sentAt: null,
      nextAttemptAt: null,
    });
    const got = await t.admin.get(`${base}/${created.id}`);
    assert.equal(got.status, 200, JSON.stringify(got.body));
    assert.equal(got.body.delivery.state, 'queued');
    assert.equal(got.body.delivery.attempts, 0);
    const sentAt = new Date();
    await t.database.db
      .updateTable('mail_outbox')
      .set({ state: 'sent', attempts: 1, sent_at: sentAt })
      .where('org_id', '=', org.id)
      .execute();
    const after = await t.admin.get(`${base}/${created.id}`);
    assert.equal(after.body.delivery.state, 'sent');
    assert.equal(after.body.delivery.attempts, 1);
    assert.equal(after.body.delivery.nextAttemptAt, null);
    assert.equal(new Date(after.body.delivery.sentAt).getTime(), sentAt.getTime());
    const listed = await t.admin.get(base);
    assert.equal(listed.body.data[0].delivery.state, 'sent');
  });
});

describe('GET /api/v1/orgs/{org}/invitations', () => {
  it('lists by status, deriving expired from the end date', async () => {
    const { t, base } = await setup();
    const result = await invite(t, base, {
      emails: ['live@list.test', 'lapsed@list.test', 'revoked@list.test'],
    });
    const [live, lapsed, revoked] = result.invitations;
    assert.ok(live && lapsed && revoked);
    await lapse(t, lapsed.id);
    assert.equal((await t.admin.delete(`${base}/${revoked.id}`)).status, 200);

    assert.deepEqual(await listIds(t, base), [live.id, lapsed.id, revoked.id]);
    assert.deepEqual(await listIds(t, base, '?status=pending'), [live.id]);
    assert.deepEqual(await listIds(t, base, '?status=expired'), [lapsed.id]);
    assert.deepEqual(await listIds(t, base, '?status=revoked'), [revoked.id]);
    assert.deepEqual(await listIds(t, base, '?status=accepted'), []);

    const all = await t.admin.get(base);
    const statuses = Object.fromEntries(
      (all.body.data as InvitationBody[]).map((i) => [i.email, i.status] as const),
    );
    assert.deepEqual(statuses, {
      'live@list.test': 'pending',
      'lapsed@list.test': 'expired',
      'revoked@list.test': 'revoked',
    });
    for (const item of all.body.data as InvitationBody[]) {
      assert.deepEqual(Object.keys(item).sort(), invitationKeys);
      assert.equal(item.delivery?.state, 'queued');
    }
    const got = await t.admin.get(`${base}/${lapsed.id}`);
    assert.equal(got.body.status, 'expired');
  });

  it('pages through the invitations, only this org’s', async () => {
    const { t, base } = await setup();
    const other = await setup();
    await inviteOne(other.t, other.base, 'elsewhere@page.test');
    const made = await invite(t, base, { emails: ['a@page.test', 'b@page.test', 'c@page.test'] });
    const first = await t.admin.get(`${base}?limit=2`);
    assert.equal(first.status, 200);
    assert.equal(first.body.data.length, 2);
    assert.equal(typeof first.body.nextCursor, 'string');
    const second = await t.admin.get(`${base}?limit=2&cursor=${first.body.nextCursor}`);
    assert.equal(second.body.nextCursor, null);
    assert.deepEqual(
      [...first.body.data, ...second.body.data].map((i: InvitationBody) => i.id),
      made.invitations.map((i) => i.id),
    );
  });

  it('answers 400 for an unknown status', async () => {
    const { t, base } = await setup();
    assertInvalid(await t.admin.get(`${base}?status=lapsed`), 'status');
  });

  it('lets an expired invitation be replaced by a new one for the same email, marking the old expired', async () => {
    const { t, org, base } = await setup();
    const old = await inviteOne(t, base, 'again@expired.test');
    await lapse(t, old.id);
    const anew = await invite(t, base, { emails: ['Again@Expired.test'] });
    assert.deepEqual(anew.errors, []);
    const [fresh] = anew.invitations;
    assert.ok(fresh);
    assert.notEqual(fresh.id, old.id);
    assert.equal(fresh.status, 'pending');
    assert.equal((await rowOf(t, old.id)).status, 'expired');
    assert.equal((await rowOf(t, fresh.id)).status, 'pending');
    assert.deepEqual(await listIds(t, base, '?status=pending'), [fresh.id]);
    assert.deepEqual(await listIds(t, base, '?status=expired'), [old.id]);
    assert.equal((await mailsOf(t, org.id)).length, 2);
    // The old one stays expired: it can no longer be changed or revoked.
    assertError(await t.admin.patch(`${base}/${old.id}`, { role: 'admin' }), 409, 'conflict');
    assertError(await t.admin.delete(`${base}/${old.id}`), 409, 'conflict');
    assert.equal((await rowOf(t, old.id)).role, 'member');
  });

  it('records the invitation it marks expired when inviting anew (audit entry and invitation.expired event)', async () => {
    const { t, org, base } = await setup();
    const old = await inviteOne(t, base, 'again@expired.test');
    await lapse(t, old.id);
    await inviteOne(t, base, 'again@expired.test');
    assert.equal((await rowOf(t, old.id)).status, 'expired');
    // The hourly sweep records every invitation it expires; an invitation expired on the way
    // to a new one no longer reaches the sweep, so the same record is owed here.
    const audit = await auditOf(t, org.id, 'invitation.expired', old.id);
    assert.equal(audit.length, 1, 'one invitation.expired audit entry for the old invitation');
    const events = await feed(t, org.id, 'invitation.expired', 1);
    assert.deepEqual(
      events.map((e) => e.data.id),
      [old.id],
    );
  });
});

describe('GET /api/v1/orgs/{org}/invitations/{id}', () => {
  it('shows one invitation without its link', async () => {
    const { t, base } = await setup();
    const created = await inviteOne(t, base, 'ada@get.test', { message: 'Hi' });
    const res = await t.admin.get(`${base}/${created.id}`);
    assert.equal(res.status, 200, JSON.stringify(res.body));
    assert.deepEqual(Object.keys(res.body).sort(), invitationKeys);
    const { acceptUrl: _link, delivery: _delivery, ...rest } = created;
    const { delivery, ...read } = res.body;
    assert.deepEqual(read, rest);
    assert.equal(delivery.state, 'queued');
    // By an upper-case id too.
    const upper = await t.admin.get(`${base}/${created.id.toUpperCase()}`);
    assert.equal(upper.status, 200);
    assert.equal(upper.body.id, created.id);
  });

  it('shows the same delivery as the create answer when read right after', async () => {
    const { t, base } = await setup();
    const created = await inviteOne(t, base, 'ada@get.test');
    const res = await t.admin.get(`${base}/${created.id}`);
    assert.equal(res.status, 200, JSON.stringify(res.body));
    assert.deepEqual(res.body.delivery, created.delivery);
  });

  it("answers 404 for an unknown id, a malformed id and another org's invitation", async () => {
    const { t, base } = await setup();
    const other = await setup();
    const theirs = await inviteOne(other.t, other.base, 'theirs@notfound.test');
    for (const id of [randomUUID(), 'not-a-uuid', theirs.id]) {
      assertError(await t.admin.get(`${base}/${id}`), 404, 'not_found');
      assertError(await t.admin.patch(`${base}/${id}`, { role: 'admin' }), 404, 'not_found');
      assertError(await t.admin.post(`${base}/${id}/resend`), 404, 'not_found');
      assertError(await t.admin.delete(`${base}/${id}`), 404, 'not_found');
    }
    const still = await rowOf(other.t, theirs.id);
    assert.equal(still.role, 'member');
    assert.equal(still.status, 'pending');
    assert.equal(still.sent_count, 1);
  });
});

describe('PATCH /api/v1/orgs/{org}/invitations/{id}', () => {
  it('changes the teams, role, tags and message of a pending invitation, audited', async () => {
    const { t, org, base } = await setup();
    const platform = await makeTeam(t, org.id, 'Platform');
    const data = await makeTeam(t, org.id, 'Data');
    const created = await inviteOne(t, base, 'ada@patch.test', {
      teams: ['Platform'],
      tags: ['env:dev'],
      message: 'First',
    });
    assert.deepEqual(created.teamIds, [platform.id]);
    const res = await t.admin.patch(`${base}/${created.id}`, {
      teams: [data.slug, 'PLATFORM'],
      role: 'admin',
      tags: [{ key: 'env', value: 'prod' }, 'vip'],
      message: 'Second',
    });
    assert.equal(res.status, 200, JSON.stringify(res.body));
    assert.deepEqual(Object.keys(res.body).sort(), invitationKeys);
    assert.deepEqual(res.body.teamIds, [data.id, platform.id]);
    assert.equal(res.body.role, 'admin');
    assert.deepEqual(res.body.tags, [
      { key: 'env', value: 'prod' },
      { key: 'vip', value: '' },
    ]);
    assert.equal(res.body.message, 'Second');
    assert.equal(res.body.status, 'pending');
    assert.equal(res.body.expiresAt, created.expiresAt, 'a change keeps the end date');
    assert.equal(res.body.sentCount, 1, 'a change sends nothing');
    const got = await t.admin.get(`${base}/${created.id}`);
    assert.deepEqual(got.body, res.body);
    const row = await rowOf(t, created.id);
    assert.equal(row.token_hash, sha256(tokenOf(created.acceptUrl)), 'the link still works');
    assert.equal((await mailsOf(t, org.id)).length, 1);

    const [entry] = await auditOf(t, org.id, 'invitation.updated', created.id);
    assert.ok(entry);
    assert.equal(entry.before?.role, 'member');
    assert.equal(entry.after?.role, 'admin');
    assert.deepEqual(entry.before?.teamIds, [platform.id]);
    assert.deepEqual(entry.after?.teamIds, [data.id, platform.id]);

    // Only what is given changes; teams [] clears them and message null removes it.
    const cleared = await t.admin.patch(`${base}/${created.id}`, { teams: [], message: null });
    assert.equal(cleared.status, 200, JSON.stringify(cleared.body));
    assert.deepEqual(cleared.body.teamIds, []);
    assert.equal(cleared.body.message, null);
    assert.equal(cleared.body.role, 'admin');
    assert.deepEqual(cleared.body.tags, res.body.tags);
  });

  const badPatches: [string, object, number, string][] = [
    ['the role owner', { role: 'owner' }, 400, 'role'],
    ['11 tags', { tags: Array.from({ length: 11 }, (_, i) => `t${i}`) }, 400, 'tags'],
    ['a tag key given twice', { tags: ['a:1', 'a:2'] }, 400, 'tags.1'],
    ['an unknown field', { email: 'other@patch.test' }, 400, 'email'],
    ['an unknown team', { teams: ['Nonexistent'] }, 422, 'teams.0'],
  ];
  for (const [what, body, status, path] of badPatches) {
    it(`answers ${status} for ${what}, changing nothing`, async () => {
      const { t, base } = await setup();
      const created = await inviteOne(t, base, 'ada@patch.test', { tags: ['keep'] });
      const res = await t.admin.patch(`${base}/${created.id}`, body);
      if (status === 422) assertUnprocessable(res, path);
      else assertInvalid(res, path);
      const row = await rowOf(t, created.id);
      assert.equal(row.role, 'member');
      assert.equal(row.email, 'ada@patch.test');
      assert.deepEqual(row.tags, [{ key: 'keep', value: '' }]);
      assert.deepEqual(row.team_ids, []);
    });
  }

  it('answers 409 for a revoked or an expired invitation, changing nothing', async () => {
    const { t, base } = await setup();
    const result = await invite(t, base, { emails: ['revoked@patch.test', 'expired@patch.test'] });
    const [revoked, expired] = result.invitations;
    assert.ok(revoked && expired);
    assert.equal((await t.admin.delete(`${base}/${revoked.id}`)).status, 200);
    await lapse(t, expired.id);
    for (const invitation of [revoked, expired]) {
      const res = await t.admin.patch(`${base}/${invitation.id}`, { role: 'admin', tags: ['x'] });
      assertError(res, 409, 'conflict');
      const row = await rowOf(t, invitation.id);
      assert.equal(row.role, 'member');
      assert.deepEqual(row.tags, []);
    }
  });
});

describe('POST /api/v1/orgs/{org}/invitations/{id}/resend', () => {
  it('refuses a resend within 60 s with 429 and Retry-After, then sends a fresh link once the minute passed', async () => {
    const { t, org, base } = await setup();
    await makeTeam(t, org.id, 'Platform');
    const created = await inviteOne(t, base, 'ada@resend.test', { teams: ['Platform'] });
    const oldToken = tokenOf(created.acceptUrl);

    const early = await t.admin.post(`${base}/${created.id}/resend`);
    assertError(early, 429, 'rate_limited');
    const wait = Number(early.headers['retry-after']);
    assert.ok(
      Number.isInteger(wait) && wait >= 1 && wait <= 60,
      `Retry-After ${early.headers['retry-after']}`,
    );
    assert.equal((await mailsOf(t, org.id)).length, 1);
    assert.equal((await rowOf(t, created.id)).sent_count, 1);

    // The first mail went out meanwhile: the delivery will follow the new one.
    await t.database.db
      .updateTable('mail_outbox')
      .set({ state: 'sent', attempts: 1, sent_at: new Date() })
      .where('org_id', '=', org.id)
      .execute();
    await sentTwoMinutesAgo(t, created.id);
    const before = Date.now();
    const res = await t.admin.post(`${base}/${created.id}/resend`);
    assert.equal(res.status, 200, JSON.stringify(res.body));
    assert.deepEqual(Object.keys(res.body).sort(), [...invitationKeys, 'acceptUrl'].sort());
    const newToken = tokenOf(res.body.acceptUrl);
    assert.notEqual(newToken, oldToken);
    assert.equal(res.body.id, created.id);
    assert.equal(res.body.status, 'pending');
    assert.equal(res.body.sentCount, 2);
    assert.equal(res.body.delivery.state, 'queued');
    assertAbout(res.body.lastSentAt, before, 'the new send');
    assertAbout(res.body.expiresAt, before + 7 * day, 'a fresh expiry');

    const row = await rowOf(t, created.id);
    assert.equal(row.token_hash, sha256(newToken));
    assert.equal(row.sent_count, 2);
    const withOld = await t.database.db
      .selectFrom('invitations')
      .select('id')
      .where('token_hash', '=', sha256(oldToken))
      .execute();
    assert.deepEqual(withOld, [], 'the old link no longer opens anything');

    const mails = await mailsOf(t, org.id);
    assert.equal(mails.length, 2);
    const [first, second] = mails;
    assert.ok(first && second);
    assert.equal(second.kind, 'invitation');
    assert.equal(second.subject_id, created.id);
    assert.equal(second.to_address, 'ada@resend.test');
    assert.ok(second.text_body.includes(res.body.acceptUrl));
    assert.ok(second.html_body.includes(res.body.acceptUrl));
    assert.ok(!second.text_body.includes(oldToken));
    assert.ok(first.text_body.includes(oldToken));
    assert.match(second.text_body, /Teams: Platform\./);

    const got = await t.admin.get(`${base}/${created.id}`);
    assert.equal(got.body.delivery.state, 'queued', 'the delivery is the latest mail’s');
    assert.equal(got.body.sentCount, 2);

    const [entry] = await auditOf(t, org.id, 'invitation.resent', created.id);
    assert.ok(entry);
    assert.ok(!JSON.stringify(entry).includes(newToken));

    // The cooldown starts again.
    const again = await t.admin.post(`${base}/${created.id}/resend`);
    assertError(again, 429, 'rate_limited');
    assert.ok(Number(again.headers['retry-after']) >= 1);
  });

  it('resends an invitation that grants no team', async () => {
    const { t, org, base } = await setup();
    const created = await inviteOne(t, base, 'ada@resend.test');
    await sentTwoMinutesAgo(t, created.id);
    const res = await t.admin.post(`${base}/${created.id}/resend`);
    assert.equal(res.status, 200, JSON.stringify(res.body));
    assert.equal(res.body.sentCount, 2);
    assert.equal((await rowOf(t, created.id)).token_hash, sha256(tokenOf(res.body.acceptUrl)));
    assert.equal((await mailsOf(t, org.id)).length, 2);
  });

  it('sends an expired invitation again with a fresh expiry, unless the email has a new one meanwhile', async () => {
    const { t, org, base } = await setup();
    await makeTeam(t, org.id, 'Platform');
    const lapsed = await inviteOne(t, base, 'lapsed@resend.test', { teams: ['Platform'] });
    await lapse(t, lapsed.id);
    await sentTwoMinutesAgo(t, lapsed.id);
    const before = Date.now();
    const res = await t.admin.post(`${base}/${lapsed.id}/resend`);
    assert.equal(res.status, 200, JSON.stringify(res.body));
    assert.equal(res.body.status, 'pending');
    assertAbout(res.body.expiresAt, before + 7 * day, 'a fresh expiry');

    const replaced = await inviteOne(t, base, 'replaced@resend.test', { teams: ['Platform'] });
    await lapse(t, replaced.id);
    const fresh = await inviteOne(t, base, 'replaced@resend.test');
    await sentTwoMinutesAgo(t, replaced.id);
    assertError(await t.admin.post(`${base}/${replaced.id}/resend`), 409, 'conflict');
    assert.equal((await rowOf(t, replaced.id)).status, 'expired');
    assert.equal((await rowOf(t, fresh.id)).status, 'pending');
  });
});

describe('DELETE /api/v1/orgs/{org}/invitations/{id}', () => {
  it('revokes a pending invitation once; a revoked one cannot be revoked, resent or changed', async () => {
    const { t, org, base } = await setup();
    const created = await inviteOne(t, base, 'ada@revoke.test');
    const res = await t.admin.delete(`${base}/${created.id}`);
    assert.equal(res.status, 200, JSON.stringify(res.body));
    assert.equal(res.body.status, 'revoked');
    assert.match(res.body.revokedAt, isoPattern);
    const row = await rowOf(t, created.id);
    assert.equal(row.status, 'revoked');
    assert.ok(row.revoked_at);

    assertError(await t.admin.delete(`${base}/${created.id}`), 409, 'conflict');
    await sentTwoMinutesAgo(t, created.id);
    assertError(await t.admin.post(`${base}/${created.id}/resend`), 409, 'conflict');
    assert.equal((await mailsOf(t, org.id)).length, 1, 'a revoked invitation gets no mail');
    assert.equal((await rowOf(t, created.id)).status, 'revoked');

    const [entry] = await auditOf(t, org.id, 'invitation.revoked', created.id);
    assert.ok(entry);
    assert.equal(entry.before?.status, 'pending');
    assert.equal(entry.after?.status, 'revoked');

    // The email can be invited again.
    const anew = await inviteOne(t, base, 'ada@revoke.test');
    assert.notEqual(anew.id, created.id);
  });

  it('answers 409 for an expired invitation', async () => {
    const { t, base } = await setup();
    const created = await inviteOne(t, base, 'ada@revoke.test');
    await lapse(t, created.id);
    assertError(await t.admin.delete(`${base}/${created.id}`), 409, 'conflict');
    assert.equal((await rowOf(t, created.id)).revoked_at, null);
  });
});

describe('invitation settings and the rate limit', () => {
  it('reads and changes the settings, audited, and refuses values out of range', async () => {
    const { t, org } = await setup();
    const path = `/api/v1/orgs/${org.id}/invitation-settings`;
    const initial = await t.admin.get(path);
    assert.equal(initial.status, 200);
    assert.deepEqual(initial.body, { expiryDays: 7, perHour: 200, reminders: true });
    const changed = await setSettings(t, org.id, { expiryDays: 14, perHour: 50, reminders: false });
    assert.deepEqual(changed, { expiryDays: 14, perHour: 50, reminders: false });
    assert.deepEqual((await t.admin.get(path)).body, changed);
    const [entry] = await auditOf(t, org.id, 'org.invitation_settings_updated');
    assert.ok(entry);
    assert.deepEqual(entry.before, { expiryDays: 7, perHour: 200, reminders: true });
    assert.deepEqual(entry.after, changed);

    const bad: [object, string][] = [
      [{ expiryDays: 0 }, 'expiryDays'],
      [{ expiryDays: 31 }, 'expiryDays'],
      [{ perHour: 0 }, 'perHour'],
      [{ perHour: 10_001 }, 'perHour'],
      [{ reminders: 'yes' }, 'reminders'],
    ];
    for (const [body, field] of bad) assertInvalid(await t.admin.patch(path, body), field);
    assert.deepEqual((await t.admin.get(path)).body, changed);
  });

  it('refuses a whole request that would pass the hourly limit, with Retry-After', async () => {
    const { t, org, base } = await setup();
    await setSettings(t, org.id, { perHour: 3 });
    await invite(t, base, { emails: ['one@rate.test', 'two@rate.test'] });
    const res = await t.admin.post(base, { emails: ['three@rate.test', 'four@rate.test'] });
    assertError(res, 429, 'rate_limited');
    const wait = Number(res.headers['retry-after']);
    // The first of this hour's sends leaves the window in about an hour.
    assert.ok(
      Number.isInteger(wait) && wait >= 3500 && wait <= 3600,
      `Retry-After ${res.headers['retry-after']}`,
    );
    assert.deepEqual((await rowsOf(t, org.id)).map((r) => r.email).sort(), [
      'one@rate.test',
      'two@rate.test',
    ]);
    assert.equal((await mailsOf(t, org.id)).length, 2);
    assert.equal((await auditOf(t, org.id, 'invitation.created')).length, 2);

    const csv = await t.admin.post(`${base}/csv`, { csv: 'email\nthree@rate.test\nfour@rate.test\n' });
    assertError(csv, 429, 'rate_limited');
    assert.equal((await rowsOf(t, org.id)).length, 2);

    // One more still fits; then a resend does not.
    await inviteOne(t, base, 'three@rate.test');
    const [first] = await rowsOf(t, org.id);
    assert.ok(first);
    await sentTwoMinutesAgo(t, first.id);
    assertError(await t.admin.post(`${base}/${first.id}/resend`), 429, 'rate_limited');
    assert.equal((await rowOf(t, first.id)).sent_count, 1);
  });

  it('counts a resend as a send of its own', async () => {
    const { t, org, base } = await setup();
    await makeTeam(t, org.id, 'Platform');
    await setSettings(t, org.id, { perHour: 2 });
    const first = await inviteOne(t, base, 'one@rate.test', { teams: ['Platform'] });
    await sentTwoMinutesAgo(t, first.id);
    const resent = await t.admin.post(`${base}/${first.id}/resend`);
    assert.equal(resent.status, 200, JSON.stringify(resent.body));
    // Two mails went out this hour (the invitation and its resend): the limit of 2 is reached.
    assert.equal((await mailsOf(t, org.id)).length, 2);
    const res = await t.admin.post(base, { emails: ['two@rate.test'] });
    assertError(res, 429, 'rate_limited');
    assert.equal((await rowsOf(t, org.id)).length, 1);
  });

  it('does not count emails it will not invite against the limit', async () => {
    const { t, org, base } = await setup();
    await setSettings(t, org.id, { perHour: 3 });
    await invite(t, base, { emails: ['one@rate.test', 'two@rate.test'] });
    // Sending the same list again with one more: only the new person gets an invitation, the third this hour.
    const res = await t.admin.post(base, { emails: ['one@rate.test', 'two@rate.test', 'three@rate.test'] });
    assert.equal(res.status, 201, JSON.stringify(res.body));
    assert.deepEqual(
      (res.body as InviteResultBody).invitations.map((i) => i.email),
      ['three@rate.test'],
    );
    assert.deepEqual(
      (res.body as InviteResultBody).errors.map((e) => e.code),
      ['already_invited', 'already_invited'],
    );
  });
});

describe('POST /api/v1/orgs/{org}/invitations/csv', () => {
  it('invites row by row, with each row’s own teams, role and tags, and reports by row number', async () => {
    const { t, org, base } = await setup();
    const platform = await makeTeam(t, org.id, 'Platform');
    const data = await makeTeam(t, org.id, 'Data');
    const design = await makeTeam(t, org.id, 'Design');
    await makeMember(t, org, 'member@csv.test');
    const csv = [
      '\uFEFFEmail,Teams,Role,Tags',
      'ada@csv.test,,,',
      `grace@csv.test,Platform;${data.slug},Admin,env:prod|tier`,
      'not-an-email,,,',
      'ADA@csv.test,,,',
      'member@csv.test,,,',
      '"linus@csv.test","Design | Platform",member,',
      'alan@csv.test',
    ].join('\n');
    const res = await t.admin.post(`${base}/csv`, {
      csv,
      teams: ['Design'],
      role: 'member',
      tags: ['source:csv'],
    });
    assert.equal(res.status, 201, JSON.stringify(res.body));
    const body = res.body as InviteResultBody;
    const made = body.invitations.map((i) => ({
      row: i.row,
      email: i.email,
      role: i.role,
      teamIds: i.teamIds,
      tags: i.tags,
    }));
    assert.deepEqual(made, [
      {
        row: 1,
        email: 'ada@csv.test',
        role: 'member',
        teamIds: [design.id],
        tags: [{ key: 'source', value: 'csv' }],
      },
      {
        row: 2,
        email: 'grace@csv.test',
        role: 'admin',
        teamIds: [platform.id, data.id],
        tags: [
          { key: 'env', value: 'prod' },
          { key: 'tier', value: '' },
        ],
      },
      {
        row: 6,
        email: 'linus@csv.test',
        role: 'member',
        teamIds: [design.id, platform.id],
        tags: [{ key: 'source', value: 'csv' }],
      },
      {
        row: 7,
        email: 'alan@csv.test',
        role: 'member',
        teamIds: [design.id],
        tags: [{ key: 'source', value: 'csv' }],
      },
    ]);
    for (const invitation of body.invitations) tokenOf(invitation.acceptUrl);
    assert.deepEqual(
      body.errors.map((e) => [e.row, e.code, e.email]),
      [
        [3, 'invalid_email', 'not-an-email'],
        [4, 'duplicate_in_request', 'ada@csv.test'],
        [5, 'already_member', 'member@csv.test'],
      ],
    );
    assert.equal((await rowsOf(t, org.id)).length, 4);
    assert.equal((await mailsOf(t, org.id)).length, 4);
  });

  const badCsv: [string, string, string][] = [
    ['a header without email', 'name,teams\nAda,Platform\n', 'csv'],
    ['no rows at all', '', 'csv'],
    ['an unclosed quote', 'email\n"ada@csv.test\n', 'csv'],
    ['a bad role in a row', 'email,role\nada@csv.test,member\ngrace@csv.test,owner\n', 'rows.2.role'],
    ['501 rows', `email\n${Array.from({ length: 501 }, (_, i) => `p${i}@csv.test`).join('\n')}\n`, 'csv'],
  ];
  for (const [what, csv, path] of badCsv) {
    it(`answers 400 for ${what}, inviting nobody`, async () => {
      const { t, org, base } = await setup();
      assertInvalid(await t.admin.post(`${base}/csv`, { csv }), path);
      assert.deepEqual(await rowsOf(t, org.id), []);
      assert.deepEqual(await mailsOf(t, org.id), []);
    });
  }

  it('answers 422 for a row naming an unknown team, inviting nobody', async () => {
    const { t, org, base } = await setup();
    await makeTeam(t, org.id, 'Platform');
    const csv = 'email,teams\nada@csv.test,Platform\ngrace@csv.test,Platform;Nonexistent\n';
    const res = await t.admin.post(`${base}/csv`, { csv });
    assertUnprocessable(res, 'rows.2.teams.1');
    assert.match(res.body.error.message, /Nonexistent/);
    assert.deepEqual(await rowsOf(t, org.id), []);
  });

  it('answers 422 for an unknown default team', async () => {
    const { t, org, base } = await setup();
    const res = await t.admin.post(`${base}/csv`, { csv: 'email\nada@csv.test\n', teams: ['Nonexistent'] });
    assertUnprocessable(res, 'teams.0');
    assert.deepEqual(await rowsOf(t, org.id), []);
  });
});

describe('access', () => {
  it("refuses another org's API key with 403 on every invitation route; the org's own key works", async () => {
    const { t, org, base } = await setup();
    const created = await inviteOne(t, base, 'ada@access.test');
    const other = await makeOrg(t, 'Other');
    const theirs = t.as((await makeApiKey(t, other.id)).key);
    const refused = [
      await theirs.post(base, { emails: ['intruder@access.test'] }),
      await theirs.post(`${base}/csv`, { csv: 'email\nintruder@access.test\n' }),
      await theirs.get(base),
      await theirs.get(`${base}/${created.id}`),
      await theirs.patch(`${base}/${created.id}`, { role: 'admin' }),
      await theirs.post(`${base}/${created.id}/resend`),
      await theirs.delete(`${base}/${created.id}`),
      await theirs.get(`/api/v1/orgs/${org.id}/invitation-settings`),
      await theirs.patch(`/api/v1/orgs/${org.id}/invitation-settings`, { perHour: 10_000 }),
    ];
    for (const res of refused) assertError(res, 403, 'forbidden');
    const rows = await rowsOf(t, org.id);
    assert.deepEqual(
      rows.map((r) => [r.email, r.role, r.status]),
      [['ada@access.test', 'member', 'pending']],
    );
    assert.equal((await t.admin.get(`/api/v1/orgs/${org.id}/invitation-settings`)).body.perHour, 200);

    const key = await makeApiKey(t, org.id);
    const mine = t.as(key.key);
    const res = await mine.post(base, { emails: ['grace@access.test'] });
    assert.equal(res.status, 201, JSON.stringify(res.body));
    assert.deepEqual(res.body.invitations[0].invitedBy, { type: 'api_key', id: key.id, userId: null });
    assert.equal((await mine.get(base)).status, 200);
  });

  it('refuses requests without credentials with 401', async () => {
    const { t, base } = await setup();
    assertError(await t.http.post(base).send({ emails: ['a@access.test'] }), 401, 'unauthorized');
    assertError(await t.http.get(base), 401, 'unauthorized');
  });
});

describe('audit log and events', () => {
  it('records invitation.created and invitation.revoked in the audit log and the events feed', async () => {
    const { t, org, base } = await setup();
    const result = await invite(t, base, { emails: ['ada@audit.test', 'grace@audit.test'], role: 'admin' });
    const [ada, grace] = result.invitations;
    assert.ok(ada && grace);
    assert.equal((await t.admin.delete(`${base}/${grace.id}`)).status, 200);

    const created = await auditOf(t, org.id, 'invitation.created');
    assert.deepEqual(created.map((e) => e.target.id).sort(), [ada.id, grace.id].sort());
    for (const entry of created) {
      assert.equal(entry.target.type, 'invitation');
      assert.equal(entry.actor.type, 'admin_token');
      assert.equal(entry.after?.role, 'admin');
      assert.equal(entry.after?.status, 'pending');
      assert.ok(['ada@audit.test', 'grace@audit.test'].includes(entry.after?.email as string));
      assert.ok(!('delivery' in (entry.after ?? {})));
      assert.ok(!('acceptUrl' in (entry.after ?? {})));
    }
    const revoked = await auditOf(t, org.id, 'invitation.revoked');
    assert.deepEqual(
      revoked.map((e) => e.target.id),
      [grace.id],
    );

    const events = await feed(t, org.id, 'invitation.created,invitation.revoked', 3);
    assert.deepEqual(
      events.map((e) => [e.type, e.data.id]),
      [
        ['invitation.created', ada.id],
        ['invitation.created', grace.id],
        ['invitation.revoked', grace.id],
      ],
    );
    const revokedEvent = events.at(-1);
    assert.equal(revokedEvent?.data.email, 'grace@audit.test');
    assert.equal(revokedEvent?.data.status, 'revoked');
    for (const invitation of result.invitations) {
      const token = tokenOf(invitation.acceptUrl);
      assert.ok(!JSON.stringify(events).includes(token));
      assert.ok(!JSON.stringify([...created, ...revoked]).includes(token));
    }
  });

  it('records nothing for a refused request', async () => {
    const { t, org, base } = await setup();
    assertUnprocessable(
      await t.admin.post(base, { emails: ['ada@audit.test'], teams: ['Nonexistent'] }),
      'teams.0',
    );
    assert.deepEqual(await auditOf(t, org.id, 'invitation.created'), []);
    assert.deepEqual(await feed(t, org.id, 'invitation.created'), []);
  });
});
