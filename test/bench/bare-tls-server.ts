/**
 * The TLS ceiling for the ingest benchmark: a bare Node HTTPS server with the
 * same certificates and TLS settings as Patchscope's, asking for the client
 * certificate, reading the body and answering 200, and nothing else. What it
 * manages on this machine bounds what any Node server can do with one new
 * TLS connection per report.
 *
 * Run as a child process: node bare-tls-server.js CERT KEY CA (prints its port).
 */
import { X509Certificate } from 'node:crypto';
import fs from 'node:fs';
import https from 'node:https';
import type { AddressInfo } from 'node:net';
import { withIssuers } from '../../src/auth/server-tls';
import { serverTlsOptions } from '../../src/server';

const [cert, key, ca] = process.argv.slice(2).map((file) => fs.readFileSync(file));
const server = https.createServer({ cert: withIssuers(cert.toString('latin1'), [new X509Certificate(ca)]), key, ca, ...serverTlsOptions, requestCert: true, rejectUnauthorized: false }, (req, res) => {
  req.resume();
  req.on('end', () => res.end('{}'));
});
server.listen(0, '127.0.0.1', () => process.stdout.write(`${(server.address() as AddressInfo).port}\n`));
