import type { Config } from '../config';
import type { DevPki } from '../pki';

/** What a newcomer reads in the terminal after the first start: where the dev PKI is and what to do with it. */
export function describeDevPki(dev: DevPki, config: Config): string {
  const port = config.server.port;
  const lines = [
    '',
    'Patchscope made a development PKI (replace it with your real CA for production; see README "Certificates").',
    '',
    `  CA certificate      ${dev.caCert}`,
    `  CRL                 ${dev.crl ?? '(none)'}`,
    `  server certificate  ${dev.serverCert ?? '(none)'}  (key ${dev.serverKey ?? '(none)'})`,
  ];
  if (dev.admin) {
    lines.push(
      `  admin certificate   ${dev.admin.cert}  (key ${dev.admin.key})`,
      `  admin for browsers  ${dev.admin.p12}`,
      `  .p12 password       ${dev.admin.p12Password ?? '(see the .p12-password file next to it)'}`,
      `  admin DN            ${dev.admin.dn}  (registered as an admin user)`,
    );
  }
  if (dev.host) lines.push(`  host certificate    ${dev.host.cert}  (key ${dev.host.key}) for ${dev.host.fqdn}`);
  lines.push(
    '',
    'In a browser: import the .p12 above (Settings → Privacy and security → Security → Manage certificates →',
    `Your certificates → Import, with the password above), trust the CA certificate, then open https://localhost:${port}/`,
    '',
    ...(dev.host
      ? [
          'Report this machine (from a second terminal, in the directory you started the server in):',
          `  sh client/patchscope-client --server https://localhost:${port} --cacert ${dev.caCert} --cert ${dev.host.cert} --key ${dev.host.key} --host ${dev.host.fqdn}`,
          '  npx patchscope hosts list',
          '',
        ]
      : []),
    'With curl, as the admin:',
    `  curl --cacert ${dev.caCert} --cert ${dev.admin?.cert ?? 'ADMIN.crt'} --key ${dev.admin?.key ?? 'ADMIN.key'} https://localhost:${port}/api/v1/whoami`,
    '',
  );
  return `${lines.join('\n')}\n`;
}
