import assert from 'node:assert/strict';
import { after, describe, it } from 'node:test';
import { argon2id, argon2Verify } from 'hash-wasm';
import { MusterError } from '../../src/errors.ts';
import {
  commonPasswordCount,
  isCommonPassword,
  PasswordHasher,
  passwordHasher,
  passwordHashParams,
  passwordHashParamsOf,
} from '../../src/infra/crypto/index.ts';

// Made with the reference implementation (Debian's argon2 1.x):
//   echo -n "correct horse battery staple" | argon2 "muster-salt-0001" -id -t 2 -k 19456 -p 1 -l 32 -e
//   echo -n "pässwörd" | argon2 "saltsaltsaltsalt" -id -t 3 -k 8192 -p 2 -l 32 -e
const reference = [
  {
    password: 'correct horse battery staple',
    encoded:
      '$argon2id$v=19$m=19456,t=2,p=1$bXVzdGVyLXNhbHQtMDAwMQ$iTMq2vk9sRATMbalPVesWq7vPq13DYQZNJuLvd3oMkE',
  },
  {
    password: 'pässwörd',
    encoded:
      '$argon2id$v=19$m=8192,t=3,p=2$c2FsdHNhbHRzYWx0c2FsdA$vtQMdOKMxd6YoeJM++rYI6W5OYyCQTWw7d9JDA+WNQ0',
  },
];

const phc = /^\$argon2id\$v=19\$m=(\d+),t=(\d+),p=(\d+)\$([A-Za-z0-9+/]+)\$([A-Za-z0-9+/]+)$/;

describe('password hashing', () => {
  it('stores argon2id as a PHC string with m=19 MiB, t=2, p=1, a 16-byte salt and a 32-byte hash', async () => {
    const encoded = await passwordHasher.hash('correct horse battery staple');
    const m = phc.exec(encoded);
    assert.ok(m, encoded);
    assert.deepEqual([m[1], m[2], m[3]], ['19456', '2', '1']);
    assert.equal(Buffer.from(m[4] ?? '', 'base64').length, 16);
    assert.equal(Buffer.from(m[5] ?? '', 'base64').length, 32);
    assert.deepEqual(passwordHashParamsOf(encoded), passwordHashParams);
    assert.deepEqual(passwordHashParams, { memoryKiB: 19456, iterations: 2, parallelism: 1 });
    const again = await passwordHasher.hash('correct horse battery staple');
    assert.notEqual(again, encoded, 'each hash has a salt of its own');
  });

  it('verifies what the reference implementation made, and its own hashes', async () => {
    for (const { password, encoded } of reference) {
      assert.equal(await passwordHasher.verify(password, encoded), true, encoded);
      assert.equal(await passwordHasher.verify(`${password}!`, encoded), false);
    }
    const encoded = await passwordHasher.hash('violet kettle drums at noon');
    assert.equal(await passwordHasher.verify('violet kettle drums at noon', encoded), true);
    assert.equal(await passwordHasher.verify('Violet kettle drums at noon', encoded), false);
    // Interchangeable with hash-wasm's own encoding, both ways.
    assert.equal(await argon2Verify({ password: 'violet kettle drums at noon', hash: encoded }), true);
    const theirs = await argon2id({
      password: 'violet kettle drums at noon',
      salt: Buffer.from('0123456789abcdef'),
      iterations: 2,
      memorySize: 19456,
      parallelism: 1,
      hashLength: 32,
      outputType: 'encoded',
    });
    assert.equal(await passwordHasher.verify('violet kettle drums at noon', theirs), true);
  });

  it('compares passwords as NFKC: a composed and a decomposed ü are one password', async () => {
    const encoded = await passwordHasher.hash('grüne wiese im mai');
    assert.equal(await passwordHasher.verify('gru\u0308ne wiese im mai', encoded), true);
  });

  it('refuses a missing, malformed or out-of-bounds hash, after a hash of the same cost', async () => {
    const cases = [
      null,
      undefined,
      '',
      'not a hash',
      '$argon2i$v=19$m=19456,t=2,p=1$bXVzdGVyLXNhbHQtMDAwMQ$iTMq2vk9sRATMbalPVesWq7vPq13DYQZNJuLvd3oMkE',
      '$argon2id$v=16$m=19456,t=2,p=1$bXVzdGVyLXNhbHQtMDAwMQ$iTMq2vk9sRATMbalPVesWq7vPq13DYQZNJuLvd3oMkE',
      // 4 GiB of memory asked by a planted hash: never computed.
      '$argon2id$v=19$m=4194304,t=2,p=1$bXVzdGVyLXNhbHQtMDAwMQ$iTMq2vk9sRATMbalPVesWq7vPq13DYQZNJuLvd3oMkE',
      '$argon2id$v=19$m=19456,t=2000,p=1$bXVzdGVyLXNhbHQtMDAwMQ$iTMq2vk9sRATMbalPVesWq7vPq13DYQZNJuLvd3oMkE',
    ];
    for (const encoded of cases) {
      const before = passwordHasher.stats().computed;
      assert.equal(
        await passwordHasher.verify('correct horse battery staple', encoded),
        false,
        String(encoded),
      );
      assert.equal(passwordHasher.stats().computed, before + 1, `one hash for ${encoded}`);
    }
  });

  it('says when a stored hash was made with other parameters', async () => {
    assert.equal(
      passwordHasher.needsRehash(await passwordHasher.hash('correct horse battery staple')),
      false,
    );
    assert.equal(passwordHasher.needsRehash(reference[1]?.encoded ?? ''), true);
    assert.equal(passwordHasher.needsRehash('garbage'), true);
  });

  it('refuses an empty password', async () => {
    await assert.rejects(passwordHasher.hash(''), { code: 'validation_failed' });
  });
});

describe('the hashing threads', () => {
  it('compute at most `concurrency` hashes at once, queue a few, and refuse the rest with 429 and Retry-After', async () => {
    const hasher = new PasswordHasher({ concurrency: 1, queueLimit: 2 });
    after(() => hasher.close());
    const stored = await hasher.hash('correct horse battery staple');
    const attempts = Array.from({ length: 5 }, () => hasher.verify('wrong password here', stored));
    const stats = hasher.stats();
    assert.equal(stats.running, 1);
    assert.equal(stats.queued, 2);
    const settled = await Promise.allSettled(attempts);
    assert.deepEqual(
      settled.map((s) => s.status),
      ['fulfilled', 'fulfilled', 'fulfilled', 'rejected', 'rejected'],
    );
    for (const s of settled.filter((s) => s.status === 'rejected')) {
      const error = (s as PromiseRejectedResult).reason as MusterError;
      assert.ok(error instanceof MusterError);
      assert.equal(error.code, 'rate_limited');
      assert.equal(error.status, 429);
      assert.equal(error.retryAfterSeconds, 1);
    }
    assert.equal(hasher.stats().refused, 2);
    // The queue drained: the next one is computed.
    assert.equal(await hasher.verify('correct horse battery staple', stored), true);
  });

  it('the process hasher runs two at once and queues eight', async () => {
    const stored = await passwordHasher.hash('correct horse battery staple');
    const attempts = Array.from({ length: 12 }, () => passwordHasher.verify('wrong password here', stored));
    assert.deepEqual(
      { running: passwordHasher.stats().running, queued: passwordHasher.stats().queued },
      { running: 2, queued: 8 },
    );
    const settled = await Promise.allSettled(attempts);
    assert.equal(settled.filter((s) => s.status === 'rejected').length, 2);
  });

  it('never holds up the event loop: a timer fires while a hash runs', async () => {
    const hasher = new PasswordHasher({ concurrency: 1 });
    after(() => hasher.close());
    await hasher.hash('warm the thread up'); // the thread's start-up is not the point here
    let hashed = false;
    const hash = hasher.hash('correct horse battery staple').then(() => {
      hashed = true;
    });
    const timerFiredFirst = await new Promise<boolean>((resolve) => setTimeout(() => resolve(!hashed), 1));
    await hash;
    assert.equal(timerFiredFirst, true);
  });

  it('fails what is running or waiting when closed', async () => {
    const hasher = new PasswordHasher({ concurrency: 1, queueLimit: 1 });
    const running = hasher.hash('correct horse battery staple');
    const waiting = hasher.hash('correct horse battery staple');
    const refusals = [running, waiting].map((hash) => assert.rejects(hash, { code: 'unavailable' }));
    await hasher.close();
    await Promise.all(refusals);
  });
});

describe('common passwords', () => {
  it('knows the breach list: 10,000 most common and about 49,000 in all', () => {
    const count = commonPasswordCount();
    assert.equal(count.top, 10_000);
    assert.ok(count.all > 40_000, String(count.all));
  });

  const cases: [string, boolean][] = [
    ['password1234', true],
    ['PASSWORD1234', true],
    ['Password1234!', true],
    ['iloveyou2024!!', true],
    ['qwertyuiop123', true],
    ['qwertyuiopasdfgh', true],
    ['123456789012', true],
    ['098765432109', true],
    ['abcdefghijklmn', true],
    ['aaaaaaaaaaaaaaaa', true],
    ['abc123abc123', true],
    ['correct horse battery staple', false],
    ['violet kettle drums at noon', false],
    ['Tr0ub4dor&3xyz', false],
    ['grüne wiese im mai', false],
  ];
  for (const [password, common] of cases)
    it(`${password} is ${common ? '' : 'not '}common`, () => {
      assert.equal(isCommonPassword(password), common);
    });
});
