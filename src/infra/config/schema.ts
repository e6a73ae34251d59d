import { z } from 'zod';
import { parseDnsServer } from '../dns/index.ts';
import { isMailbox, parseSmtpUrl } from '../mail/index.ts';

/**
 * Every setting Muster reads, declared once: the loader, the validation and
 * docs/configuration.md all come from this table.
 */
export interface SettingSpec<T> {
  readonly description: string;
  /** Shown in the docs; `undefined` means "not set". */
  readonly defaultText?: string;
  readonly schema: z.ZodType<T>;
  /** Settings that make sense only in the environment (such as CONFIG_FILE itself). */
  readonly envOnly?: boolean;
  readonly secret?: boolean;
}

const portSchema = z.coerce
  .number({ error: 'must be a whole number' })
  .int('must be a whole number')
  .min(1, 'must be between 1 and 65535')
  .max(65535, 'must be between 1 and 65535');

const booleanSchema = z.union([
  z.boolean(),
  z.enum(['true', 'false', '1', '0', 'yes', 'no'], { error: 'must be true or false' }).transform((v) => {
    return v === 'true' || v === '1' || v === 'yes';
  }),
]);

function urlWithProtocols(protocols: readonly string[], example: string) {
  return z.string().refine(
    (value) => {
      try {
        return protocols.includes(new URL(value).protocol);
      } catch {
        return false;
      }
    },
    { error: `must be a URL like ${example}` },
  );
}

function positiveInt(max: number) {
  return z.coerce
    .number({ error: 'must be a whole number' })
    .int('must be a whole number')
    .min(1, `must be between 1 and ${max}`)
    .max(max, `must be between 1 and ${max}`);
}

const dnsServersSchema = z.union([z.string(), z.array(z.string())]).transform((value, ctx) => {
  const entries = (typeof value === 'string' ? value.split(',') : value).map((e) => e.trim());
  const servers = entries.filter((e) => e !== '').map((e) => parseDnsServer(e));
  if (servers.length === 0 || servers.some((s) => s === undefined)) {
    ctx.addIssue({ code: 'custom', message: 'must be IP addresses with optional ports, like 192.0.2.53:53' });
    return z.NEVER;
  }
  return servers as string[];
});

export const settings = {
  NODE_ENV: {
    description: '`production` turns on JSON logs and requires MASTER_KEY and ADMIN_TOKEN.',
    defaultText: 'development',
    schema: z.enum(['development', 'production', 'test'], {
      error: 'must be development, production or test',
    }),
  },
  PORT: {
    description: 'Port the HTTP server listens on.',
    defaultText: '8080',
    schema: portSchema,
  },
  PUBLIC_URL: {
    description:
      'The URL IdPs and browsers reach Muster at (SAML ACS, OIDC redirect, SCIM base URL, invitation links).',
    defaultText: 'http://localhost:$PORT',
    schema: urlWithProtocols(['http:', 'https:'], 'https://muster.example.com').transform((v) =>
      v.replace(/\/+$/, ''),
    ),
  },
  DATA_DIR: {
    description: 'Where the embedded database (PGlite) keeps its files. Unused when DATABASE_URL is set.',
    defaultText: './data',
    schema: z.string().min(1, 'must not be empty'),
  },
  DATABASE_URL: {
    description:
      '`postgres://user:pass@host:port/db`: use this PostgreSQL server instead of the embedded one.',
    schema: urlWithProtocols(['postgres:', 'postgresql:'], 'postgres://user:pass@host:5432/muster'),
    secret: true,
  },
  DATABASE_POOL_MAX: {
    description: 'Most connections Muster opens to the PostgreSQL server.',
    defaultText: '10',
    schema: positiveInt(200),
  },
  ADMIN_TOKEN: {
    description:
      'Bootstrap super-admin bearer token for the admin API, at least 32 characters. Required in production; ' +
      'outside production, an unset token is generated at start-up and written to the log.',
    schema: z
      .string()
      .min(32, 'must be at least 32 characters')
      .max(512, 'must be at most 512 characters')
      .refine((v) => !/\s/.test(v), { error: 'must not contain white space' }),
    secret: true,
  },
  SMTP_URL: {
    description:
      '`smtp://user:pass@host:port` (or `smtps://`): where mail is sent. Unset: mail goes to the outbox table and the log.',
    schema: z.string().superRefine((value, ctx) => {
      const endpoint = parseSmtpUrl(value);
      if ('problem' in endpoint) ctx.addIssue({ code: 'custom', message: endpoint.problem });
    }),
    secret: true,
  },
  MAIL_FROM: {
    description:
      'The From address of the mail Muster sends, `Name <address>` or a bare address. The SMTP server must ' +
      'accept it as a sender.',
    defaultText: 'Muster <no-reply@{host of PUBLIC_URL}>',
    schema: z.string().trim().refine(isMailbox, {
      error: 'must be an address like "Muster <no-reply@example.com>" or no-reply@example.com',
    }),
  },
  MASTER_KEY: {
    description:
      'Key (at least 32 characters) that encrypts stored secrets such as IdP client secrets and SP private keys. ' +
      'Required in production; outside production a fixed development key is used, with a warning.',
    schema: z.string().min(32, 'must be at least 32 characters'),
    secret: true,
  },
  ALLOW_INSECURE_LOOPBACK_ISSUERS: {
    description:
      '`true` lets OIDC issuers on plain http at 127.0.0.1/localhost through, for development and tests. ' +
      'Refused in production.',
    defaultText: 'false',
    schema: booleanSchema,
  },
  TRUST_PROXY_HOPS: {
    description:
      'How many proxies or load balancers stand in front of Muster. With 1 or more, the client address that ' +
      'sign-in throttling counts by is the one they report in X-Forwarded-For, that many hops back; with 0, ' +
      'the address of the connection. Set it only to what your proxies really add: a client can write ' +
      'X-Forwarded-For itself.',
    defaultText: '0',
    schema: z.coerce
      .number({ error: 'must be a whole number' })
      .int('must be a whole number')
      .min(0, 'must be between 0 and 10')
      .max(10, 'must be between 0 and 10'),
  },
  WEBHOOK_ALLOW_PRIVATE_NETWORKS: {
    description:
      '`true` lets webhooks reach loopback and private-network addresses (10/8, 172.16/12, 192.168/16, ' +
      '100.64/10, fc00::/7), over https or plain http, for an application on the same network. Off, a ' +
      'webhook URL reaches public https addresses only, so no org admin can point deliveries at the ' +
      'database or other internal services. Link-local addresses (cloud metadata) stay refused.',
    defaultText: 'false',
    schema: booleanSchema,
  },
  DNS_SERVERS: {
    description:
      'Comma-separated DNS servers (`ip` or `ip:port`, `[ipv6]:port`) that look up domain verification TXT ' +
      "records and the hosts of IdP metadata URLs. Unset: the system's resolver.",
    schema: dnsServersSchema,
  },
  LOG_LEVEL: {
    description: 'Least severe log level written: error, warn, info, http (one line per request) or debug.',
    defaultText: 'http',
    schema: z.enum(['error', 'warn', 'info', 'http', 'debug'], {
      error: 'must be one of error, warn, info, http, debug',
    }),
  },
  BODY_LIMIT_BYTES: {
    description: 'Largest request body accepted, in bytes; larger bodies get 413.',
    defaultText: '1048576',
    schema: positiveInt(64 * 1024 * 1024),
  },
  WORKERS: {
    description:
      'HTTP worker processes sharing PORT, so one machine uses all its cores. More than 1 needs DATABASE_URL: ' +
      'the embedded database serves one process. The first process migrates and keeps table statistics; ' +
      'the workers answer requests and are restarted if they die.',
    defaultText: '1',
    schema: positiveInt(64),
  },
  JOB_LEASE_SECONDS: {
    description:
      'How long a background job (such as a group mapping reconciliation) or a webhook endpoint stays claimed ' +
      'by a process without progress. A job whose process died is resumed from its last committed batch once ' +
      'this runs out, and its webhooks from their last committed delivery; with the embedded database, at ' +
      'the next start. A mail in the outbox is claimed the same way; its send may take half of this.',
    defaultText: '30',
    schema: positiveInt(3600),
  },
  JOB_BATCH_SIZE: {
    description:
      'Users a background job handles per transaction. Larger batches finish sooner; smaller ones hold locks, ' +
      'and the embedded database, for less time.',
    defaultText: '2000',
    schema: positiveInt(50_000),
  },
  JOB_PARALLELISM: {
    description:
      'Transactions a background job runs at once, each on JOB_BATCH_SIZE users, so a PostgreSQL server uses ' +
      'more than one core for it. The embedded database runs them one after another.',
    defaultText: '2',
    schema: positiveInt(16),
  },
  SHUTDOWN_GRACE_SECONDS: {
    description: 'On SIGTERM, how long in-flight requests may run before connections are cut.',
    defaultText: '10',
    schema: positiveInt(600),
  },
  SESSION_TTL_SECONDS: {
    description:
      'How long a signed-in session lasts, in seconds: the session cookie lives this long, and its token is ' +
      'renewed within it. Revoking the session (logout, suspension, removal) ends it sooner.',
    defaultText: '28800',
    schema: positiveInt(30 * 24 * 3600),
  },
  SESSION_TOKEN_TTL_SECONDS: {
    description:
      'How long one session token (the JWT applications verify against /.well-known/jwks.json) is valid, in ' +
      "seconds; never past its session's end. Muster renews the token in its cookie when it expires.",
    defaultText: '300',
    schema: positiveInt(3600),
  },
  CONFIG_FILE: {
    description:
      'A JSON or YAML file (see `config/`) with any of these settings by name; the environment wins over it.',
    schema: z.string().min(1, 'must not be empty'),
    envOnly: true,
  },
} satisfies Record<string, SettingSpec<unknown>>;

export type SettingName = keyof typeof settings;
export const settingNames = Object.keys(settings) as SettingName[];
