import fs from 'node:fs';
import { type Command, Option } from 'commander';
import { withTransaction } from '../db';
import { certificateFingerprint, subjectDn } from '../pki';
import { recordAudit } from '../repositories/audit';
import { insertPeer, listPeers } from '../repositories/peers';
import { cliActor } from './actor';
import { type CliContext, print } from './context';

/** Peers: the servers this one pushes to (up) or accepts pushes from (down), known by certificate. */
export function registerPeers(program: Command, context: () => CliContext): void {
  const peers = program.command('peers').description('manage federation peers, identified by their server certificate');

  peers
    .command('add')
    .argument('<name>', 'a name for the peer')
    .addOption(new Option('--direction <direction>', 'up: we push to it; down: it pushes to us').choices(['up', 'down']).makeOptionMandatory())
    .requiredOption('--cert <file>', "the peer's certificate (PEM): its subject DN and fingerprint are recorded")
    .option('--url <url>', "the peer's base URL (for up peers)")
    .action(async (name: string, options: { direction: 'up' | 'down'; cert: string; url?: string }) => {
      const pem = fs.readFileSync(options.cert, 'utf8');
      const peer = { name, direction: options.direction, url: options.url, dn: subjectDn(pem), fingerprint: certificateFingerprint(pem) };
      await withTransaction(await context().database(), async (trx) => {
        await insertPeer(trx, peer);
        await recordAudit(trx, { actor: cliActor(), action: 'peer.add', targetType: 'peer', target: name, details: { direction: peer.direction, dn: peer.dn, fingerprint: peer.fingerprint } });
      });
      print(`added ${peer.direction} peer ${name}: ${peer.dn} (${peer.fingerprint})`);
    });

  peers
    .command('list')
    .action(async () => {
      const rows = await listPeers(await context().database());
      if (rows.length === 0) print('no peers');
      for (const peer of rows) print(`${peer.name}\t${peer.direction}\t${peer.dn}\t${peer.fingerprint ?? ''}\t${peer.url ?? ''}`);
    });
}
