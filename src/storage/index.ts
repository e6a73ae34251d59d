export { type Database, type DatabaseOptions, type Db, openDatabase } from './database.ts';
export type { QueryObserver } from './driver.ts';
export { DataDirLockedError } from './lockfile.ts';
export { loadMigrations, type Migration, MigrationError, migrate } from './migrate.ts';
export * from './queries/index.ts';
export type * from './schema.ts';
export {
  grownSinceUpkeep,
  needsOwnUpkeep,
  runUpkeep,
  startUpkeep,
  type TableSizes,
  tableSizes,
  type Upkeep,
} from './upkeep.ts';
