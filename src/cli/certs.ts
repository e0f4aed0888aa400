import path from 'node:path';
import { type Command, InvalidArgumentError, Option } from 'commander';
import { REVOCATION_REASONS } from '../pki/crl';
import { PkiStore, type StoreIssueOptions } from '../pki/store';
import type { Profile } from '../pki/certificates';
import { KEY_TYPES, type KeyType } from '../pki/keys';

/**
 * `patchscope certs …`: the dev/small-site CA. Every subcommand prints the
 * paths of the files it wrote, one per line, so scripts can pick them up;
 * key material never reaches the terminal. The one secret printed is a
 * generated .p12 password, because it exists nowhere else.
 */

interface CertsContext {
  config: { pki: { dir: string } };
}

interface CommonOptions {
  dir?: string;
  days?: number;
}

interface IssueCliOptions extends CommonOptions {
  key?: KeyType;
  san?: string[];
  email?: string;
  p12Password?: string;
  overwrite?: boolean;
}

function out(line: string): void {
  process.stdout.write(`${line}\n`);
}

function parseDays(value: string): number {
  if (!/^\d+$/.test(value) || Number(value) < 1) throw new InvalidArgumentError('must be a whole number of days ≥ 1');
  return Number(value);
}

/** --san may be repeated and may hold a comma-separated list. */
function collectSans(value: string, previous: string[] = []): string[] {
  return [...previous, ...value.split(',').map((s) => s.trim()).filter((s) => s !== '')];
}

export function registerCerts(program: Command, context: () => CertsContext): void {
  // the configuration is only loaded when --dir is not given, so `certs init --dir x` works without one
  const store = (options: CommonOptions) => new PkiStore(path.resolve(options.dir ?? context().config.pki.dir));
  const dirOption = () => new Option('--dir <dir>', 'PKI directory (default: pki.dir from the configuration)');
  const daysOption = (what: string) => new Option('--days <n>', what).argParser(parseDays);

  const certs = program.command('certs').description('run a small CA: issue, revoke and list client and server certificates');

  certs
    .command('init')
    .description('create the CA (refuses if one exists) and a first, empty CRL')
    .option('--cn <name>', 'CA common name', 'Patchscope Dev CA')
    .addOption(daysOption('CA validity in days').default(3650))
    .addOption(dirOption())
    .action((options: CommonOptions & { cn: string }) => {
      const { files } = store(options).init({ commonName: options.cn, days: options.days });
      files.forEach(out);
    });

  const issueCommand = (profile: Profile, argument: string, description: string) =>
    certs
      .command(`${profile} <${argument}>`)
      .description(description)
      .addOption(daysOption('validity in days').default(365))
      .option('--overwrite', `replace an existing ${profile} certificate of the same name`)
      .addOption(dirOption());

  const issue = (profile: Profile, commonName: string, options: IssueCliOptions, extra: Partial<StoreIssueOptions> = {}) => {
    const result = store(options).issue(profile, {
      commonName,
      days: options.days,
      overwrite: options.overwrite === true,
      ...(options.key !== undefined ? { keyType: options.key } : {}),
      ...extra,
    });
    result.files.forEach(out);
    return result;
  };

  const keyOption = (fallback: KeyType) =>
    new Option('--key <type>', 'key type: rsa (2048 bits) or ec (ECDSA P-256, a twelfth of the signing cost)').choices(KEY_TYPES).default(fallback);

  issueCommand('server', 'name', 'issue a TLS server certificate for NAME (and --san names/IPs)')
    .addOption(keyOption('ec'))
    .option('--san <name>', 'extra DNS name or IP address (repeatable, or comma-separated)', collectSans)
    .action((name: string, options: IssueCliOptions) => {
      issue('server', name, options, { sans: options.san ?? [] });
    });

  issueCommand('host', 'fqdn', "issue a host's client certificate (CN and SAN = its FQDN) for reporting")
    .addOption(keyOption('rsa'))
    .action((fqdn: string, options: IssueCliOptions) => {
      issue('host', fqdn, options);
    });

  issueCommand('user', 'cn', "issue a person's client certificate, with a .p12 to import into a browser")
    .option('--email <address>', 'email address (subjectAltName)')
    .option('--p12-password <password>', 'password for the .p12 (default: generated and printed)')
    .action((commonName: string, options: IssueCliOptions) => {
      const result = issue('user', commonName, options, {
        ...(options.email !== undefined ? { email: options.email } : {}),
        ...(options.p12Password !== undefined ? { p12Password: options.p12Password } : {}),
      });
      if (options.p12Password === undefined) out(`p12 password: ${result.p12Password}`);
    });

  issueCommand('peer', 'name', 'issue a federation peer certificate (server and client auth) for NAME')
    .addOption(keyOption('rsa'))
    .option('--san <name>', 'extra DNS name or IP address (repeatable, or comma-separated)', collectSans)
    .action((name: string, options: IssueCliOptions) => {
      issue('peer', name, options, { sans: options.san ?? [] });
    });

  certs
    .command('revoke <serial-or-file>')
    .description('revoke a certificate by serial number or PEM file, and write a new CRL')
    .addOption(
      new Option('--reason <reason>', 'RFC 5280 revocation reason').choices(
        Object.keys(REVOCATION_REASONS).filter((r) => r !== 'removeFromCRL'),
      ),
    )
    .addOption(daysOption('validity of the new CRL in days').default(7))
    .addOption(dirOption())
    .action((target: string, options: CommonOptions & { reason?: string }) => {
      const pki = store(options);
      pki.revoke(target, options.reason);
      out(pki.writeCrl({ days: options.days }));
    });

  certs
    .command('crl')
    .description('write a fresh CRL (run before the previous one expires)')
    .addOption(daysOption('CRL validity in days').default(7))
    .addOption(dirOption())
    .action((options: CommonOptions) => {
      out(store(options).writeCrl({ days: options.days }));
    });

  certs
    .command('list')
    .description('list every certificate the CA issued, with its status')
    .option('--json', 'print JSON instead of a table')
    .addOption(dirOption())
    .action((options: CommonOptions & { json?: boolean }) => {
      const entries = store(options).list();
      if (options.json) {
        out(JSON.stringify(entries, null, 2));
        return;
      }
      const rows = entries.map((e) => [e.status, e.profile, e.serial, e.notAfter.slice(0, 10), e.subject]);
      const table = [['STATUS', 'PROFILE', 'SERIAL', 'EXPIRES', 'SUBJECT'], ...rows];
      const widths = table[0].map((_, i) => Math.max(...table.map((row) => row[i].length)));
      for (const row of table) out(row.map((cell, i) => (i === row.length - 1 ? cell : cell.padEnd(widths[i]))).join('  '));
    });
}
