import type { Command } from 'commander';
import { dnFromInput } from '../auth/user-admin';
import { withTransaction } from '../db';
import { NotFoundError } from '../errors';
import { recordAudit } from '../repositories/audit';
import { addRelay, ensureSite, findSiteByName, listRelays, removeRelay } from '../repositories/sites';
import { cliActor } from './actor';
import { type CliContext, print } from './context';

/** Relays: server certificates that may report on behalf of a site's hosts (Pakiti's proxy mode). */
export function registerRelays(program: Command, context: () => CliContext): void {
  const relays = program.command('relays').description("manage relays: certificates that may report for a site's hosts (Pakiti's proxy mode)");

  relays
    .command('add')
    .description('let a certificate report for the hosts of a site')
    .argument('<site>', 'site name')
    .argument('<dn-or-cert>', 'subject DN or PEM certificate file of the relay')
    .action(async (site: string, input: string) => {
      const dn = dnFromInput(input);
      await withTransaction(await context().database(), async (trx) => {
        const row = await ensureSite(trx, site);
        await addRelay(trx, row.id, dn);
        await recordAudit(trx, { actor: cliActor(), action: 'relay.add', targetType: 'site', target: site, details: { dn } });
      });
      print(`${dn} may now report for the hosts of site ${site}`);
    });

  relays
    .command('remove')
    .argument('<site>', 'site name')
    .argument('<dn-or-cert>', 'subject DN or PEM certificate file of the relay')
    .action(async (site: string, input: string) => {
      const dn = dnFromInput(input);
      await withTransaction(await context().database(), async (trx) => {
        const row = await findSiteByName(trx, site);
        if (!row || (await removeRelay(trx, row.id, dn)) === 0) throw new NotFoundError(`${dn} is not a relay for site ${site}`);
        await recordAudit(trx, { actor: cliActor(), action: 'relay.remove', targetType: 'site', target: site, details: { dn } });
      });
      print(`removed relay ${dn} from site ${site}`);
    });

  relays
    .command('list')
    .action(async () => {
      const rows = await listRelays(await context().database());
      if (rows.length === 0) print('no relays');
      for (const row of rows) print(`${row.site}\t${row.dn}`);
    });
}
