import type { Command } from 'commander';
import { NotFoundError, ValidationError } from '../errors';
import { HOST_STATUSES } from '../status/host-status';
import { presentHost } from '../http/presenters/host';
import { listHosts } from '../repositories/host-queries';
import { hostSecurity } from '../status/host-security';
import { type CliContext, print } from './context';

export function registerHosts(program: Command, context: () => CliContext): void {
  const hosts = program.command('hosts').description('the hosts that report to this server');

  hosts
    .command('list')
    .description('list hosts')
    .option('--site <site>', 'only this site')
    .option('--status <status>', `only hosts with this status (${HOST_STATUSES.join(', ')})`)
    .option('--json', 'print JSON')
    .action(async (options: { site?: string; status?: string; json?: boolean }) => {
      if (options.status !== undefined && !(HOST_STATUSES as readonly string[]).includes(options.status)) {
        throw new ValidationError(`unknown status "${options.status}"; one of ${HOST_STATUSES.join(', ')}`);
      }
      const rows = (await listHosts(await context().database(), { site: options.site, status: options.status }, { limit: 1_000_000, offset: 0 })).map(presentHost);
      if (options.json) return print(JSON.stringify(rows, null, 2));
      if (rows.length === 0) return print('no hosts');
      print(['HOST', 'SITE', 'OS GROUP', 'PACKAGES', 'LAST REPORT', 'REBOOT', 'STATUS', 'CVES', 'FIXABLE'].join('\t'));
      for (const h of rows) {
        const name = h.verified ? h.hostname : `${h.hostname} (unverified, ${h.senderAddress})`;
        print([name, h.site, h.osGroup ?? '-', h.packageCount, h.lastReportAt, h.rebootRequired ? 'yes' : 'no', h.status, h.counts.cves, h.counts.fixableCves].join('\t'));
      }
    });

  hosts
    .command('show')
    .description('show one host')
    .argument('<fqdn>', 'host name')
    .option('--site <site>', 'the site, when the name exists at several')
    .option('--json', 'print JSON')
    .action(async (fqdn: string, options: { site?: string; json?: boolean }) => {
      const db = await context().database();
      const { evaluator } = await context().services();
      const found = await listHosts(db, { hostname: fqdn.toLowerCase(), site: options.site }, { limit: 50, offset: 0 });
      if (found.length === 0) throw new NotFoundError(`no host named ${fqdn}${options.site ? ` at site ${options.site}` : ''}`);
      const rows = await Promise.all(found.map(async (host) => ({ ...presentHost(host), ...(await hostSecurity(db, evaluator, host.id)) })));
      if (options.json) return print(JSON.stringify(rows.length === 1 ? rows[0] : rows, null, 2));
      for (const h of rows) {
        const fields: [string, unknown][] = [
          ['host', h.hostname], ['site', h.site], ['verified', h.verified ? 'yes (certificate)' : `no (sent from ${h.senderAddress})`],
          ['os', h.os], ['os group', h.osGroup ?? 'not mapped'], ['arch', h.arch], ['kernel', h.kernel],
          ['packages', h.packageCount], ['package set', h.packageSet], ['last report', h.lastReportAt], ['first report', h.firstReportAt],
          ['last change', h.lastChangeAt], ['reboot required', h.rebootRequired ? 'yes' : 'no'], ['status', h.status],
          ['covered by', h.coveredBy ?? 'no loaded feed'],
          ['cves', `${h.counts.cves} (${h.counts.fixableCves} fixable, ${h.counts.taggedCves} tagged, ${h.counts.kevCves} known exploited)`],
          ['updates', `${h.updates?.security.length ?? 0} security, ${h.updates?.other.length ?? 0} other`],
        ];
        for (const [label, value] of fields) print(`${label.padEnd(16)} ${value ?? '-'}`);
        if (h.cves?.length) {
          print();
          print(['CVE', 'SEVERITY', 'PACKAGE', 'INSTALLED', 'FIXED IN', 'TAGS', 'KEV'].join('\t'));
          for (const c of h.cves) print([c.cve, c.severity, c.package, c.installedVersion, c.fixedVersion ?? 'no fix', c.tags.join(',') || '-', c.kev ? 'yes' : '-'].join('\t'));
        }
        print();
      }
    });
}
