import assert from 'node:assert/strict';
import { existsSync, readFileSync } from 'node:fs';
import { describe, it } from 'node:test';
import { parse as parseYaml } from 'yaml';

/** docker-compose.yml and the Dockerfile are for users; nothing here runs Docker, it checks their wiring. */
const root = new URL('../', import.meta.url);

interface Service {
  image?: string;
  build?: string | { context?: string; dockerfile?: string };
  environment?: Record<string, unknown> | string[];
  depends_on?: string[] | Record<string, { condition?: string }>;
  ports?: unknown[];
  healthcheck?: { test?: string | string[] };
}

interface Compose {
  services: Record<string, Service>;
  volumes?: Record<string, unknown>;
}

const compose = parseYaml(readFileSync(new URL('docker-compose.yml', root), 'utf8')) as Compose;

function service(name: string): Service {
  const found = compose.services[name];
  assert.ok(found, `docker-compose.yml has no service ${name}`);
  return found;
}

function environmentOf(name: string): Record<string, string> {
  const environment = service(name).environment ?? {};
  const entries = Array.isArray(environment)
    ? environment.map((line) => {
        const at = line.indexOf('=');
        return [line.slice(0, at), line.slice(at + 1)] as const;
      })
    : Object.entries(environment).map(([key, value]) => [key, String(value)] as const);
  return Object.fromEntries(entries);
}

function healthcheckText(name: string): string {
  const test = service(name).healthcheck?.test;
  return Array.isArray(test) ? test.join(' ') : (test ?? '');
}

function publishes(name: string, port: number): boolean {
  return (service(name).ports ?? []).some((p) => String(p).split(':').at(-1) === String(port));
}

describe('docker-compose.yml', () => {
  it('has Muster, PostgreSQL 17 and Mailpit', () => {
    assert.deepEqual(Object.keys(compose.services).sort(), ['mailpit', 'muster', 'postgres']);
    assert.equal(service('postgres').image, 'postgres:17');
    assert.match(service('mailpit').image ?? '', /^axllent\/mailpit(:|$)/);
    assert.equal(service('muster').build, '.');
  });

  it('points DATABASE_URL at the postgres service with its user, password and database', () => {
    const url = new URL(environmentOf('muster').DATABASE_URL ?? '');
    const pg = environmentOf('postgres');
    assert.equal(url.protocol, 'postgres:');
    assert.equal(url.hostname, 'postgres');
    assert.equal(url.port, '5432');
    assert.equal(url.username, pg.POSTGRES_USER);
    assert.equal(url.password, pg.POSTGRES_PASSWORD);
    assert.equal(url.pathname, `/${pg.POSTGRES_DB}`);
  });

  it('keeps the PostgreSQL data in a named volume and checks it with pg_isready', () => {
    const volumes = (service('postgres') as { volumes?: string[] }).volumes ?? [];
    const named = volumes.map((v) => v.split(':')[0] ?? '').filter((source) => /^[\w-]+$/.test(source));
    assert.equal(named.length, 1, 'postgres needs one named volume');
    assert.ok(
      named[0] && compose.volumes && named[0] in compose.volumes,
      `volume ${named[0]} is not declared`,
    );
    assert.match(healthcheckText('postgres'), /pg_isready/);
  });

  it('points SMTP_URL at the mailpit service and shows its web UI', () => {
    const url = new URL(environmentOf('muster').SMTP_URL ?? '');
    assert.equal(url.protocol, 'smtp:');
    assert.equal(url.hostname, 'mailpit');
    assert.equal(url.port, '1025');
    assert.ok(publishes('mailpit', 8025), 'mailpit should publish its web UI on 8025');
  });

  it('starts Muster once PostgreSQL is healthy', () => {
    const dependsOn = service('muster').depends_on;
    assert.ok(dependsOn && !Array.isArray(dependsOn), 'muster needs depends_on with conditions');
    assert.equal(dependsOn.postgres?.condition, 'service_healthy');
  });

  it('requires ADMIN_TOKEN and MASTER_KEY from the environment and runs in production', () => {
    const env = environmentOf('muster');
    for (const name of ['ADMIN_TOKEN', 'MASTER_KEY']) {
      assert.match(
        env[name] ?? '',
        new RegExp(`^\\$\\{${name}:\\?[^}]+\\}$`),
        `${name} must use \${${name}:?…}`,
      );
    }
    assert.equal(env.NODE_ENV, 'production');
    assert.match(env.PUBLIC_URL ?? '', /^\$\{PUBLIC_URL:-http:\/\/localhost:8080\}$/);
  });

  it('serves on 8080 and checks /readyz', () => {
    assert.ok(publishes('muster', 8080), 'muster should publish 8080');
    assert.match(healthcheckText('muster'), /\/readyz/);
  });
});

describe('Dockerfile', () => {
  const dockerfileUrl = new URL('Dockerfile', root);

  it('installs the runtime dependencies and runs npm start', () => {
    assert.ok(existsSync(dockerfileUrl), 'Dockerfile is missing');
    const dockerfile = readFileSync(dockerfileUrl, 'utf8');
    assert.match(dockerfile, /^FROM node:20-slim$/m);
    assert.match(dockerfile, /^RUN npm ci --omit=dev\b/m);
    assert.match(dockerfile, /^USER node$/m);
    assert.match(dockerfile, /^EXPOSE 8080$/m);
    const cmd = /^CMD (.+)$/m.exec(dockerfile)?.[1];
    assert.deepEqual(JSON.parse(cmd ?? 'null'), ['npm', 'start']);
  });

  it('has what npm start needs without dev dependencies', () => {
    const pkg = JSON.parse(readFileSync(new URL('package.json', root), 'utf8')) as {
      scripts: Record<string, string>;
      dependencies: Record<string, string>;
    };
    assert.match(pkg.scripts.start ?? '', /--import tsx/);
    assert.ok(pkg.dependencies.tsx, 'tsx must be a runtime dependency: the image omits dev dependencies');
    const dockerfile = readFileSync(dockerfileUrl, 'utf8');
    const ignored = readFileSync(new URL('.dockerignore', root), 'utf8')
      .split('\n')
      .map((line) => line.trim());
    for (const needed of ['package.json', 'package-lock.json', 'src', 'config']) {
      assert.match(
        dockerfile,
        new RegExp(`^COPY .*\\b${needed.replace('.', '\\.')}\\b`, 'm'),
        `${needed} is not copied`,
      );
      assert.ok(!ignored.includes(needed), `.dockerignore leaves ${needed} out of the build`);
    }
  });
});
