export { loadConfig, type LoadConfigOptions } from './load';
export { type Config, configSchema, environmentVariables } from './schema';
