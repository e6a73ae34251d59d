import assert from 'node:assert/strict';
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, describe, it } from 'node:test';
import { type Config, ConfigError, loadConfig, settings } from '../../src/infra/config/index.ts';
import { isMailbox, parseSmtpUrl } from '../../src/infra/mail/index.ts';

const work = mkdtempSync(join(tmpdir(), 'muster-config-'));
after(() => rmSync(work, { recursive: true, force: true }));

const goodToken = 'admin-token-0123456789-abcdefghijklmnopqrstuvwxyz';
const goodKey = 'master-key-0123456789-abcdefghijklmnopqrstuvwxyz';

let files = 0;
/** Writes a config file into its own directory under the scratch dir and returns its full path. */
function configFile(name: string, text: string): string {
  files += 1;
  const dir = join(work, `f${files}`);
  mkdirSync(dir);
  const path = join(dir, name);
  writeFileSync(path, text);
  return path;
}

/** Runs loadConfig expecting a ConfigError and returns it. */
function configError(env: NodeJS.ProcessEnv, cwd = work): ConfigError {
  let config: Config | undefined;
  try {
    config = loadConfig(env, cwd);
  } catch (error) {
    assert.ok(error instanceof ConfigError, `expected a ConfigError, got ${String(error)}`);
    return error;
  }
  assert.fail(`expected a ConfigError, got a config: ${JSON.stringify(config)}`);
}

function assertNamesSetting(error: ConfigError, setting: string): void {
  assert.equal(error.setting, setting);
  assert.ok(
    error.message.startsWith(`${setting}: `),
    `message does not start with ${setting}: ${error.message}`,
  );
  assert.ok(error.message.length > setting.length + 2, 'the message says what is wrong');
  assert.doesNotMatch(error.message, /\n/, 'the message is one line');
}

/** True when any 8-character run of the secret appears in the text. */
function leaks(text: string, secret: string): boolean {
  for (let i = 0; i + 8 <= secret.length; i += 1) {
    if (text.includes(secret.slice(i, i + 8))) return true;
  }
  return false;
}

describe('config defaults', () => {
  it('serves on 8080 at http://localhost:8080 with the data under ./data of the working directory', () => {
    const config = loadConfig({}, work);
    assert.equal(config.port, 8080);
    assert.equal(config.publicUrl, 'http://localhost:8080');
    assert.equal(config.dataDir, join(work, 'data'));
    assert.equal(config.env, 'development');
    assert.equal(config.databaseUrl, undefined);
    assert.equal(config.adminToken, undefined);
    assert.equal(config.smtpUrl, undefined);
    assert.equal(config.masterKey, undefined);
    assert.equal(config.allowInsecureLoopbackIssuers, false);
    assert.equal(config.logLevel, settings.LOG_LEVEL.defaultText);
    assert.equal(config.configFile, undefined);
  });

  it('the default PUBLIC_URL follows PORT', () => {
    const config = loadConfig({ PORT: '9123' }, work);
    assert.equal(config.port, 9123);
    assert.equal(config.publicUrl, 'http://localhost:9123');
  });

  it('a relative DATA_DIR is resolved against the working directory; an absolute one is kept', () => {
    assert.equal(loadConfig({ DATA_DIR: 'state/db' }, work).dataDir, join(work, 'state', 'db'));
    assert.equal(loadConfig({ DATA_DIR: '/var/lib/muster' }, work).dataDir, '/var/lib/muster');
  });

  it('a trailing slash is trimmed from PUBLIC_URL', () => {
    assert.equal(
      loadConfig({ PUBLIC_URL: 'https://muster.example.com/' }, work).publicUrl,
      'https://muster.example.com',
    );
    assert.equal(
      loadConfig({ PUBLIC_URL: 'https://example.com/muster//' }, work).publicUrl,
      'https://example.com/muster',
    );
  });

  it('an explicit PUBLIC_URL does not follow PORT', () => {
    const config = loadConfig({ PORT: '9000', PUBLIC_URL: 'https://muster.example.com' }, work);
    assert.equal(config.publicUrl, 'https://muster.example.com');
  });
});

describe('config sources: environment over file over default', () => {
  it('reads every setting from a JSON file', () => {
    const path = configFile(
      'muster.json',
      JSON.stringify({
        PORT: 9001,
        DATA_DIR: 'from-json',
        ADMIN_TOKEN: goodToken,
        LOG_LEVEL: 'debug',
        SMTP_URL: 'smtp://user:pass@mail.example.com:587',
        ALLOW_INSECURE_LOOPBACK_ISSUERS: true,
      }),
    );
    const config = loadConfig({ CONFIG_FILE: path }, work);
    assert.equal(config.port, 9001);
    assert.equal(config.publicUrl, 'http://localhost:9001');
    assert.equal(config.dataDir, join(work, 'from-json'));
    assert.equal(config.adminToken, goodToken);
    assert.equal(config.logLevel, 'debug');
    assert.equal(config.smtpUrl, 'smtp://user:pass@mail.example.com:587');
    assert.equal(config.allowInsecureLoopbackIssuers, true);
    assert.equal(config.configFile, path);
  });

  it('reads settings from a YAML file', () => {
    const path = configFile(
      'muster.yaml',
      [
        '# settings for a test',
        'PORT: 9002',
        'PUBLIC_URL: https://sso.example.com/',
        'LOG_LEVEL: warn',
        'ALLOW_INSECURE_LOOPBACK_ISSUERS: "yes"',
        '',
      ].join('\n'),
    );
    const config = loadConfig({ CONFIG_FILE: path }, work);
    assert.equal(config.port, 9002);
    assert.equal(config.publicUrl, 'https://sso.example.com');
    assert.equal(config.logLevel, 'warn');
    assert.equal(config.allowInsecureLoopbackIssuers, true);
  });

  it('reads a .yml file as YAML', () => {
    const path = configFile('muster.yml', 'PORT: 9003\n');
    assert.equal(loadConfig({ CONFIG_FILE: path }, work).port, 9003);
  });

  it('an empty YAML file means no settings', () => {
    const path = configFile('empty.yaml', '');
    const config = loadConfig({ CONFIG_FILE: path }, work);
    assert.equal(config.port, 8080);
  });

  it('the environment wins over the file, and the file over the default', () => {
    const path = configFile('muster.json', JSON.stringify({ PORT: 9004, LOG_LEVEL: 'debug' }));
    const config = loadConfig({ CONFIG_FILE: path, PORT: '9005' }, work);
    assert.equal(config.port, 9005, 'environment over file');
    assert.equal(config.publicUrl, 'http://localhost:9005');
    assert.equal(config.logLevel, 'debug', 'file over default');
    assert.equal(config.dataDir, join(work, 'data'), 'default when neither sets it');
  });

  it('the environment wins over a YAML file too', () => {
    const path = configFile('muster.yaml', 'LOG_LEVEL: debug\nPORT: 9006\n');
    const config = loadConfig({ CONFIG_FILE: path, LOG_LEVEL: 'error' }, work);
    assert.equal(config.logLevel, 'error');
    assert.equal(config.port, 9006);
  });

  it('a relative CONFIG_FILE is found from the working directory', () => {
    const path = configFile('relative.json', JSON.stringify({ PORT: 9007 }));
    const relativePath = path.slice(work.length + 1);
    assert.equal(loadConfig({ CONFIG_FILE: relativePath }, work).port, 9007);
  });

  it('empty environment variables count as unset', () => {
    const config = loadConfig(
      {
        PORT: '',
        PUBLIC_URL: '',
        DATA_DIR: '',
        ADMIN_TOKEN: '',
        LOG_LEVEL: '',
        DATABASE_URL: '',
        NODE_ENV: '',
      },
      work,
    );
    assert.equal(config.port, 8080);
    assert.equal(config.publicUrl, 'http://localhost:8080');
    assert.equal(config.dataDir, join(work, 'data'));
    assert.equal(config.adminToken, undefined);
    assert.equal(config.databaseUrl, undefined);
    assert.equal(config.logLevel, settings.LOG_LEVEL.defaultText);
    assert.equal(config.env, 'development');
  });

  it('an empty environment variable does not hide the file value', () => {
    const path = configFile('muster.json', JSON.stringify({ PORT: 9008 }));
    assert.equal(loadConfig({ CONFIG_FILE: path, PORT: '' }, work).port, 9008);
  });

  it('an empty CONFIG_FILE reads no file', () => {
    const config = loadConfig({ CONFIG_FILE: '' }, work);
    assert.equal(config.configFile, undefined);
    assert.equal(config.port, 8080);
  });
});

describe('bad settings give a ConfigError naming the setting', () => {
  it('PORT=abc', () => {
    assertNamesSetting(configError({ PORT: 'abc' }), 'PORT');
  });

  it('PORT=70000', () => {
    const error = configError({ PORT: '70000' });
    assertNamesSetting(error, 'PORT');
    assert.match(error.message, /65535/);
  });

  it('PORT=0 and a fractional PORT', () => {
    assertNamesSetting(configError({ PORT: '0' }), 'PORT');
    assertNamesSetting(configError({ PORT: '80.5' }), 'PORT');
  });

  it('a bad PORT in the config file names PORT', () => {
    const path = configFile('muster.json', JSON.stringify({ PORT: 'eighty' }));
    assertNamesSetting(configError({ CONFIG_FILE: path }), 'PORT');
  });

  it('ADMIN_TOKEN shorter than 32 characters', () => {
    const error = configError({ ADMIN_TOKEN: 'short-token-123' });
    assertNamesSetting(error, 'ADMIN_TOKEN');
    assert.match(error.message, /32/);
  });

  it('ADMIN_TOKEN of 31 characters is refused and of 32 accepted', () => {
    assertNamesSetting(configError({ ADMIN_TOKEN: 'a'.repeat(31) }), 'ADMIN_TOKEN');
    assert.equal(loadConfig({ ADMIN_TOKEN: 'a'.repeat(32) }, work).adminToken, 'a'.repeat(32));
  });

  it('DATABASE_URL=mysql://x', () => {
    assertNamesSetting(configError({ DATABASE_URL: 'mysql://x' }), 'DATABASE_URL');
  });

  it('postgres:// and postgresql:// DATABASE_URLs are accepted', () => {
    const url = 'postgres://muster:pw@db.example.com:5432/muster';
    assert.equal(loadConfig({ DATABASE_URL: url }, work).databaseUrl, url);
    const alias = 'postgresql://muster@db.example.com/muster';
    assert.equal(loadConfig({ DATABASE_URL: alias }, work).databaseUrl, alias);
  });

  it('SMTP_URL=http://x', () => {
    assertNamesSetting(configError({ SMTP_URL: 'http://x' }), 'SMTP_URL');
  });

  it('LOG_LEVEL=loud', () => {
    const error = configError({ LOG_LEVEL: 'loud' });
    assertNamesSetting(error, 'LOG_LEVEL');
    assert.match(error.message, /loud/, 'a value that is not a secret is shown');
  });

  it('PUBLIC_URL that is not an http(s) URL', () => {
    assertNamesSetting(configError({ PUBLIC_URL: 'muster.example.com' }), 'PUBLIC_URL');
    assertNamesSetting(configError({ PUBLIC_URL: 'ftp://muster.example.com' }), 'PUBLIC_URL');
  });

  it('an unknown key in the config file', () => {
    const path = configFile('muster.json', JSON.stringify({ PORT: 9000, PROT: 9001 }));
    const error = configError({ CONFIG_FILE: path });
    assertNamesSetting(error, 'CONFIG_FILE');
    assert.match(error.message, /PROT/);
  });

  it('CONFIG_FILE itself is not a setting the file can hold', () => {
    const path = configFile('muster.yaml', 'CONFIG_FILE: other.yaml\n');
    assertNamesSetting(configError({ CONFIG_FILE: path }), 'CONFIG_FILE');
  });

  it('a missing config file', () => {
    const path = join(work, 'no-such-dir', 'muster.json');
    const error = configError({ CONFIG_FILE: path });
    assertNamesSetting(error, 'CONFIG_FILE');
    assert.ok(error.message.includes(path), error.message);
    assert.match(error.message, /not found/);
  });

  it('an invalid JSON file', () => {
    const path = configFile('broken.json', '{ "PORT": 9000, }');
    const error = configError({ CONFIG_FILE: path });
    assertNamesSetting(error, 'CONFIG_FILE');
    assert.match(error.message, /not valid JSON/);
  });

  it('an invalid YAML file', () => {
    const path = configFile('broken.yaml', 'PORT: 9000\n  LOG_LEVEL: [debug\n');
    const error = configError({ CONFIG_FILE: path });
    assertNamesSetting(error, 'CONFIG_FILE');
    assert.match(error.message, /not valid YAML/);
  });

  it('a file that is read as JSON says JSON when it cannot be parsed, whatever its extension', () => {
    const path = configFile('muster.conf', '{ "PORT": 9000, }');
    const error = configError({ CONFIG_FILE: path });
    assertNamesSetting(error, 'CONFIG_FILE');
    assert.match(error.message, /not valid JSON/);
  });

  it('a config file that holds a list rather than settings', () => {
    const path = configFile('list.json', '["PORT", 9000]');
    assertNamesSetting(configError({ CONFIG_FILE: path }), 'CONFIG_FILE');
  });
});

describe('secrets are never echoed', () => {
  const cases: Array<[string, string, string]> = [
    ['ADMIN_TOKEN', 'too short', 'hunter2-hunter2'],
    ['ADMIN_TOKEN', 'with white space', 'p4ss w0rd-0123456789-abcdefghijklmnop'],
    ['MASTER_KEY', 'too short', 'sesame-open-sesame'],
    ['DATABASE_URL', 'not postgres', 'mysql://root:p4ssw0rd-sekrit@db.internal:3306/muster'],
    ['DATABASE_URL', 'not a URL', 'not a url p4ssw0rd-sekrit'],
    ['SMTP_URL', 'not smtp', 'http://mailer:m41l-p4ssw0rd@mail.internal'],
  ];
  for (const [setting, problem, secret] of cases) {
    it(`${setting} from the environment, ${problem}: named but not shown`, () => {
      const error = configError({ [setting]: secret });
      assertNamesSetting(error, setting);
      assert.ok(!leaks(error.message, secret), `the message shows the secret: ${error.message}`);
    });
  }

  it('a bad secret from the config file is named but not shown', () => {
    const secret = 'file-held-p4ssw0rd';
    const path = configFile('muster.json', JSON.stringify({ ADMIN_TOKEN: secret }));
    const error = configError({ CONFIG_FILE: path });
    assertNamesSetting(error, 'ADMIN_TOKEN');
    assert.ok(!leaks(error.message, secret), error.message);
  });

  it('a secret of the wrong type in the config file is named but not shown', () => {
    const path = configFile('muster.yaml', 'MASTER_KEY:\n  value: s3cr3t-v4lue-0123456789\n');
    const error = configError({ CONFIG_FILE: path });
    assertNamesSetting(error, 'MASTER_KEY');
    assert.ok(!leaks(error.message, 's3cr3t-v4lue-0123456789'), error.message);
  });

  it('a config file that cannot be parsed does not show the secret written in it', () => {
    const secret = 's3cr3tvalue0123456789abcdefghijklmn';
    const path = configFile('muster.json', `{\n  "PORT": 8080,\n  "MASTER_KEY": ${secret}\n}\n`);
    const error = configError({ CONFIG_FILE: path });
    assertNamesSetting(error, 'CONFIG_FILE');
    assert.ok(!leaks(error.message, secret), `the message shows the secret: ${error.message}`);
  });

  it('a YAML file that cannot be parsed does not show the secret written in it', () => {
    const secret = 's3cr3tvalue0123456789abcdefghijklmn';
    const path = configFile('muster.yaml', `ADMIN_TOKEN: [${secret}\n`);
    const error = configError({ CONFIG_FILE: path });
    assertNamesSetting(error, 'CONFIG_FILE');
    assert.ok(!leaks(error.message, secret), `the message shows the secret: ${error.message}`);
  });
});

describe('NODE_ENV=production', () => {
  it('requires ADMIN_TOKEN', () => {
    const error = configError({ NODE_ENV: 'production', MASTER_KEY: goodKey });
    assertNamesSetting(error, 'ADMIN_TOKEN');
    assert.match(error.message, /production/);
  });

  it('requires MASTER_KEY', () => {
    const error = configError({ NODE_ENV: 'production', ADMIN_TOKEN: goodToken });
    assertNamesSetting(error, 'MASTER_KEY');
    assert.match(error.message, /production/);
  });

  it('an empty MASTER_KEY does not satisfy it', () => {
    const error = configError({ NODE_ENV: 'production', ADMIN_TOKEN: goodToken, MASTER_KEY: '' });
    assertNamesSetting(error, 'MASTER_KEY');
  });

  it('refuses ALLOW_INSECURE_LOOPBACK_ISSUERS=true', () => {
    const error = configError({
      NODE_ENV: 'production',
      ADMIN_TOKEN: goodToken,
      MASTER_KEY: goodKey,
      ALLOW_INSECURE_LOOPBACK_ISSUERS: 'true',
    });
    assertNamesSetting(error, 'ALLOW_INSECURE_LOOPBACK_ISSUERS');
  });

  it('refuses ALLOW_INSECURE_LOOPBACK_ISSUERS set in the config file', () => {
    const path = configFile('prod.json', JSON.stringify({ ALLOW_INSECURE_LOOPBACK_ISSUERS: true }));
    const error = configError({
      NODE_ENV: 'production',
      ADMIN_TOKEN: goodToken,
      MASTER_KEY: goodKey,
      CONFIG_FILE: path,
    });
    assertNamesSetting(error, 'ALLOW_INSECURE_LOOPBACK_ISSUERS');
  });

  it('starts with ADMIN_TOKEN and MASTER_KEY, loopback issuers off', () => {
    const config = loadConfig(
      {
        NODE_ENV: 'production',
        ADMIN_TOKEN: goodToken,
        MASTER_KEY: goodKey,
        ALLOW_INSECURE_LOOPBACK_ISSUERS: 'false',
      },
      work,
    );
    assert.equal(config.env, 'production');
    assert.equal(config.adminToken, goodToken);
    assert.equal(config.masterKey, goodKey);
    assert.equal(config.allowInsecureLoopbackIssuers, false);
  });

  it('outside production ADMIN_TOKEN and MASTER_KEY may be unset and loopback issuers allowed', () => {
    const config = loadConfig({ NODE_ENV: 'development', ALLOW_INSECURE_LOOPBACK_ISSUERS: 'true' }, work);
    assert.equal(config.allowInsecureLoopbackIssuers, true);
    assert.equal(config.adminToken, undefined);
    assert.equal(config.masterKey, undefined);
  });

  it('a NODE_ENV that is not development, production or test', () => {
    assertNamesSetting(configError({ NODE_ENV: 'prod' }), 'NODE_ENV');
  });
});

describe('mail settings', () => {
  it('MAIL_FROM defaults to Muster <no-reply@…> at the host of PUBLIC_URL', () => {
    assert.equal(loadConfig({}, work).mailFrom, 'Muster <no-reply@localhost>');
    assert.equal(
      loadConfig({ PUBLIC_URL: 'https://sso.example.com:8443/muster' }, work).mailFrom,
      'Muster <no-reply@sso.example.com>',
    );
    assert.equal(
      loadConfig({ PUBLIC_URL: 'http://192.0.2.10:8080' }, work).mailFrom,
      'Muster <no-reply@[192.0.2.10]>',
    );
    assert.equal(
      loadConfig({ PUBLIC_URL: 'http://[2001:db8::1]:8080' }, work).mailFrom,
      'Muster <no-reply@[IPv6:2001:db8::1]>',
    );
    for (const url of ['https://sso.example.com', 'http://192.0.2.10', 'http://[2001:db8::1]']) {
      assert.ok(
        isMailbox(loadConfig({ PUBLIC_URL: url }, work).mailFrom),
        `the default for ${url} is an address`,
      );
    }
  });

  it('MAIL_FROM takes a bare address or one with a display name, from the environment or the file', () => {
    const cases = [
      'no-reply@example.com',
      'Acme Access <access@mail.acme.example>',
      '"Acme, Inc." <access@acme.example>',
      '  padded@example.com  ',
    ];
    for (const value of cases) assert.equal(loadConfig({ MAIL_FROM: value }, work).mailFrom, value.trim());
    const path = configFile('muster.yaml', 'MAIL_FROM: "Ops <ops@example.com>"\n');
    assert.equal(loadConfig({ CONFIG_FILE: path }, work).mailFrom, 'Ops <ops@example.com>');
  });

  const badFrom: Array<[string, string]> = [
    ['not an address', 'muster'],
    ['no domain', 'no-reply@'],
    ['an empty angle address', 'Muster <>'],
    ['two addresses', 'a@example.com, b@example.com'],
    ['a header smuggled in', 'a@example.com\r\nBcc: victim@example.com'],
    ['a line break in the name', 'Muster\n <a@example.com>'],
  ];
  for (const [problem, value] of badFrom) {
    it(`MAIL_FROM with ${problem} is refused in one line`, () => {
      const error = configError({ MAIL_FROM: value });
      assertNamesSetting(error, 'MAIL_FROM');
      assert.match(error.message, /must be an address/);
    });
  }

  it('SMTP_URL: smtp:// and smtps:// with or without credentials and port', () => {
    const cases: Array<
      [string, { host: string; port: number; secure: boolean; user?: string; pass?: string }]
    > = [
      ['smtp://mail.example.com', { host: 'mail.example.com', port: 587, secure: false }],
      ['smtps://mail.example.com', { host: 'mail.example.com', port: 465, secure: true }],
      ['smtp://relay.internal:25', { host: 'relay.internal', port: 25, secure: false }],
      [
        'smtp://apikey:p%40ss%3Aw0rd@smtp.example.com:2525/',
        { host: 'smtp.example.com', port: 2525, secure: false, user: 'apikey', pass: 'p@ss:w0rd' },
      ],
      ['smtp://[2001:db8::25]:2525', { host: '2001:db8::25', port: 2525, secure: false }],
    ];
    for (const [url, expected] of cases) {
      assert.equal(loadConfig({ SMTP_URL: url }, work).smtpUrl, url);
      const endpoint = parseSmtpUrl(url);
      assert.ok(!('problem' in endpoint), url);
      assert.deepEqual(
        {
          host: endpoint.host,
          port: endpoint.port,
          secure: endpoint.secure,
          user: endpoint.user,
          pass: endpoint.pass,
        },
        { user: undefined, pass: undefined, ...expected },
        url,
      );
      assert.ok(!endpoint.target.includes('@'), `the target shows no credentials: ${endpoint.target}`);
    }
  });

  const badSmtp: Array<[string, string, RegExp]> = [
    ['another scheme', 'http://mailer:m41l-p4ssw0rd@mail.internal', /smtp:\/\/ or smtps:\/\//],
    ['no URL at all', 'mail.example.com:587', /like smtp:\/\//],
    ['no host', 'smtp://', /name a host/],
    ['a path', 'smtp://user:m41l-p4ssw0rd@mail.example.com:587/inbox', /no path/],
    ['a query', 'smtp://user:m41l-p4ssw0rd@mail.example.com:587?tls=off', /no path, query/],
    ['a password without a user', 'smtp://:m41l-p4ssw0rd@mail.example.com', /password without a user/],
    ['port 0', 'smtps://mail.example.com:0', /port/],
    ['a port out of range', 'smtp://mail.example.com:70000', /like smtp:\/\//],
  ];
  for (const [problem, value, says] of badSmtp) {
    it(`SMTP_URL with ${problem} is refused at start in one line that keeps the password out`, () => {
      const error = configError({ SMTP_URL: value });
      assertNamesSetting(error, 'SMTP_URL');
      assert.match(error.message, says);
      assert.ok(!leaks(error.message, 'm41l-p4ssw0rd'), error.message);
    });
  }
});
