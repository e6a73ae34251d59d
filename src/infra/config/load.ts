import { readFileSync } from 'node:fs';
import { extname, resolve } from 'node:path';
import { parse as parseYaml, YAMLParseError } from 'yaml';
import type { z } from 'zod';
import { defaultMailFrom } from '../mail/index.ts';
import { type SettingName, type SettingSpec, settingNames, settings } from './schema.ts';

export interface Config {
  readonly env: 'development' | 'production' | 'test';
  readonly port: number;
  readonly publicUrl: string;
  readonly dataDir: string;
  readonly databaseUrl: string | undefined;
  readonly databasePoolMax: number;
  readonly adminToken: string | undefined;
  readonly smtpUrl: string | undefined;
  /** The From address of outgoing mail. */
  readonly mailFrom: string;
  readonly masterKey: string | undefined;
  readonly allowInsecureLoopbackIssuers: boolean;
  readonly webhookAllowPrivateNetworks: boolean;
  readonly trustProxyHops: number;
  /** DNS servers for TXT and host lookups; undefined: the system's. */
  readonly dnsServers: readonly string[] | undefined;
  readonly logLevel: 'error' | 'warn' | 'info' | 'http' | 'debug';
  readonly bodyLimitBytes: number;
  readonly shutdownGraceSeconds: number;
  readonly sessionTtlSeconds: number;
  readonly sessionTokenTtlSeconds: number;
  readonly workers: number;
  readonly jobLeaseSeconds: number;
  readonly jobBatchSize: number;
  readonly jobParallelism: number;
  readonly configFile: string | undefined;
}

/** A setting that cannot be used; its message is the one line start-up prints. */
export class ConfigError extends Error {
  override readonly name = 'ConfigError';
  readonly setting: string;
  constructor(setting: string, problem: string) {
    super(`${setting}: ${problem}`);
    this.setting = setting;
  }
}

type Raw = Partial<Record<SettingName, unknown>>;

function readConfigFile(path: string, cwd: string): Raw {
  const full = resolve(cwd, path);
  let text: string;
  try {
    text = readFileSync(full, 'utf8');
  } catch (error) {
    const reason =
      (error as NodeJS.ErrnoException).code === 'ENOENT' ? 'file not found' : 'file cannot be read';
    throw new ConfigError('CONFIG_FILE', `${reason}: ${full}`);
  }
  const yaml = ['.yaml', '.yml'].includes(extname(full));
  let data: unknown;
  try {
    data = yaml ? parseYaml(text) : JSON.parse(text);
  } catch (error) {
    // Only where the problem is: JSON.parse quotes the text around it, which may be a secret.
    const where = error instanceof YAMLParseError && error.linePos ? ` at line ${error.linePos[0].line}` : '';
    throw new ConfigError('CONFIG_FILE', `${full} is not valid ${yaml ? 'YAML' : 'JSON'}${where}`);
  }
  if (data === null || data === undefined) return {};
  if (typeof data !== 'object' || Array.isArray(data)) {
    throw new ConfigError('CONFIG_FILE', `${full} must hold an object of settings`);
  }
  const raw: Raw = {};
  for (const [key, value] of Object.entries(data)) {
    const spec = Object.hasOwn(settings, key)
      ? (settings as Record<string, SettingSpec<unknown>>)[key]
      : undefined;
    if (!spec || spec.envOnly) {
      throw new ConfigError('CONFIG_FILE', `${full} names an unknown setting "${key}"`);
    }
    raw[key as SettingName] = value;
  }
  return raw;
}

function describe(value: unknown): string {
  // Control characters are shown escaped: the message stays one line.
  const text = (typeof value === 'string' ? value : JSON.stringify(value)).replace(/\p{Cc}/gu, (c) =>
    JSON.stringify(c).slice(1, -1),
  );
  return text.length > 40 ? `${text.slice(0, 37)}...` : text;
}

type SettingValue<N extends SettingName> = z.output<(typeof settings)[N]['schema']>;

function parseSetting<N extends SettingName>(name: N, value: unknown): SettingValue<N> | undefined {
  if (value === undefined) return undefined;
  const spec: SettingSpec<unknown> = settings[name];
  const result = spec.schema.safeParse(value);
  if (result.success) return result.data as SettingValue<N>;
  const problem = result.error.issues[0]?.message ?? 'is not valid';
  const shown = spec.secret ? '' : ` (got "${describe(value)}")`;
  throw new ConfigError(name, `${problem}${shown}`);
}

/**
 * Reads the settings: the environment over CONFIG_FILE over defaults.
 * Throws ConfigError on the first setting that cannot be used.
 */
export function loadConfig(env: NodeJS.ProcessEnv, cwd: string = process.cwd()): Config {
  const fromEnv: Raw = {};
  for (const name of settingNames) {
    const value = env[name];
    // An empty variable counts as unset, as compose files and shells often produce them.
    if (value !== undefined && value !== '') fromEnv[name] = value;
  }
  const configFile = parseSetting('CONFIG_FILE', fromEnv.CONFIG_FILE);
  const fromFile = configFile ? readConfigFile(configFile, cwd) : {};
  const pick = <N extends SettingName>(name: N) => parseSetting(name, fromEnv[name] ?? fromFile[name]);

  const nodeEnv = pick('NODE_ENV') ?? 'development';
  const port = pick('PORT') ?? 8080;
  const publicUrl = pick('PUBLIC_URL') ?? `http://localhost:${port}`;
  const config: Config = {
    env: nodeEnv,
    port,
    publicUrl,
    dataDir: resolve(cwd, pick('DATA_DIR') ?? './data'),
    databaseUrl: pick('DATABASE_URL'),
    databasePoolMax: pick('DATABASE_POOL_MAX') ?? 10,
    adminToken: pick('ADMIN_TOKEN'),
    smtpUrl: pick('SMTP_URL'),
    mailFrom: pick('MAIL_FROM') ?? defaultMailFrom(publicUrl),
    masterKey: pick('MASTER_KEY'),
    allowInsecureLoopbackIssuers: pick('ALLOW_INSECURE_LOOPBACK_ISSUERS') ?? false,
    webhookAllowPrivateNetworks: pick('WEBHOOK_ALLOW_PRIVATE_NETWORKS') ?? false,
    trustProxyHops: pick('TRUST_PROXY_HOPS') ?? 0,
    dnsServers: pick('DNS_SERVERS'),
    logLevel: pick('LOG_LEVEL') ?? 'http',
    bodyLimitBytes: pick('BODY_LIMIT_BYTES') ?? 1024 * 1024,
    shutdownGraceSeconds: pick('SHUTDOWN_GRACE_SECONDS') ?? 10,
    sessionTtlSeconds: pick('SESSION_TTL_SECONDS') ?? 8 * 3600,
    sessionTokenTtlSeconds: pick('SESSION_TOKEN_TTL_SECONDS') ?? 300,
    workers: pick('WORKERS') ?? 1,
    jobLeaseSeconds: pick('JOB_LEASE_SECONDS') ?? 30,
    jobBatchSize: pick('JOB_BATCH_SIZE') ?? 2000,
    jobParallelism: pick('JOB_PARALLELISM') ?? 2,
    configFile,
  };

  if (config.workers > 1 && !config.databaseUrl) {
    throw new ConfigError(
      'WORKERS',
      'more than 1 needs DATABASE_URL: the embedded database serves one process',
    );
  }
  if (config.env === 'production') {
    if (!config.adminToken) throw new ConfigError('ADMIN_TOKEN', 'is required when NODE_ENV=production');
    if (!config.masterKey) throw new ConfigError('MASTER_KEY', 'is required when NODE_ENV=production');
    if (config.allowInsecureLoopbackIssuers) {
      throw new ConfigError('ALLOW_INSECURE_LOOPBACK_ISSUERS', 'is refused when NODE_ENV=production');
    }
  }
  return config;
}
