import type { Command } from 'commander';
import { addUser, dnFromInput, parseRole, removeUser, setRole } from '../auth/user-admin';
import { listUsers } from '../repositories/users';
import { cliActor } from './actor';
import { type CliContext, print } from './context';

const collect = (value: string, previous: string[] = []) => [...previous, value];

export function registerUsers(program: Command, context: () => CliContext): void {
  const users = program.command('users').description('manage the people who may use Patchscope (by certificate DN); every change is audit-logged');

  users
    .command('add')
    .description('register a personal certificate as a user')
    .argument('<dn-or-cert>', 'subject DN (any common form, e.g. "CN=Alice,O=Example" or "/O=Example/CN=Alice") or a PEM certificate file')
    .requiredOption('--role <role>', 'admin, site-admin, viewer or operator')
    .option('--name <name>', 'display name')
    .option('--email <email>', 'e-mail address')
    .option('--site <site>', 'a site in the user\'s scope (repeatable)', collect)
    .option('--group <group>', 'a host group in the user\'s scope (repeatable)', collect)
    .action(async (input: string, options: { role: string; name?: string; email?: string; site?: string[]; group?: string[] }) => {
      const user = await addUser(
        await context().database(),
        { dn: dnFromInput(input), role: parseRole(options.role), name: options.name, email: options.email, sites: options.site, hostGroups: options.group },
        cliActor(),
      );
      print(`added ${user.dn} as ${user.role}${user.sites.length ? ` for ${user.sites.join(', ')}` : ''}`);
    });

  users
    .command('list')
    .description('list users')
    .option('--json', 'print JSON')
    .action(async (options: { json?: boolean }) => {
      const rows = await listUsers(await context().database());
      if (options.json) return print(JSON.stringify(rows.map(({ id: _id, ...user }) => user), null, 2));
      if (rows.length === 0) return print('no users');
      for (const user of rows) {
        const scope = [...user.sites.map((s) => `site:${s}`), ...user.hostGroups.map((g) => `group:${g}`)].join(' ');
        print(`${user.role.padEnd(10)} ${user.dn}${user.name ? `  (${user.name})` : ''}${scope ? `  ${scope}` : ''}`);
      }
    });

  users
    .command('remove')
    .description('remove a user')
    .argument('<dn-or-cert>', 'subject DN or PEM certificate file')
    .action(async (input: string) => {
      const user = await removeUser(await context().database(), dnFromInput(input), cliActor());
      print(`removed ${user.dn}`);
    });

  users
    .command('set-role')
    .description("change a user's role")
    .argument('<dn-or-cert>', 'subject DN or PEM certificate file')
    .argument('<role>', 'admin, site-admin, viewer or operator')
    .action(async (input: string, role: string) => {
      const user = await setRole(await context().database(), dnFromInput(input), parseRole(role), cliActor());
      print(`${user.dn} is now ${user.role}`);
    });
}
