export { type Config, ConfigError, loadConfig } from './load.ts';
export { type SettingName, type SettingSpec, settingNames, settings } from './schema.ts';
