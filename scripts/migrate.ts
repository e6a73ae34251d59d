/**
 * `npm run migrate`: applies pending migrations and exits, for operators who
 * migrate before rolling out new processes. `npm start` does the same first.
 */
import { ConfigError, loadConfig } from '../src/infra/config/index.ts';
import { MigrationError, migrate, openDatabase } from '../src/storage/index.ts';

try {
  const config = loadConfig(process.env);
  const database = config.databaseUrl
    ? await openDatabase({ url: config.databaseUrl, poolMax: 1 })
    : await openDatabase({ dataDir: config.dataDir });
  try {
    const ran = await migrate(database);
    process.stdout.write(
      ran.length ? `applied migrations ${ran.join(', ')}\n` : 'the database is up to date\n',
    );
  } finally {
    await database.close();
  }
  process.exit(0);
} catch (error) {
  const known = error instanceof ConfigError || error instanceof MigrationError;
  process.stderr.write(`muster: ${known ? '' : 'migrate: '}${(error as Error).message}\n`);
  process.exit(1);
}
