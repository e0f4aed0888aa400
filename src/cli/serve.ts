import type { Command } from 'commander';
import { serveUntilSignalled } from '../main';
import type { CliContext } from './context';

export function registerServe(program: Command, context: () => CliContext): void {
  program
    .command('serve')
    .description('run the HTTPS server (migrates the database first; creates a dev PKI on first start)')
    .option('--host <address>', 'address to listen on (overrides server.host)')
    .option('--port <port>', 'port to listen on (overrides server.port)')
    .action(async (options: { host?: string; port?: string }) => {
      const base = context().config;
      const port = options.port === undefined ? base.server.port : Number(options.port);
      if (!Number.isInteger(port) || port < 0 || port > 65535) throw new Error(`serve: --port must be a port number, got "${options.port}"`);
      await serveUntilSignalled({ ...base, server: { ...base.server, host: options.host ?? base.server.host, port } });
    });
}
