import { execFileSync, spawnSync } from 'node:child_process';
import fs from 'node:fs';
import https from 'node:https';
import type { AddressInfo } from 'node:net';
import os from 'node:os';
import path from 'node:path';
import type tls from 'node:tls';

/** A fresh directory under the OS temp dir; remove it with removeTempDir. */
export function makeTempDir(prefix = 'patchscope-pki-'): string {
  return fs.mkdtempSync(path.join(os.tmpdir(), prefix));
}

export function removeTempDir(dir: string | undefined): void {
  if (dir) fs.rmSync(dir, { recursive: true, force: true });
}

let opensslChecked = false;

/**
 * Runs the openssl CLI, the independent judge of what we produce. A missing
 * openssl fails the test loudly rather than skipping the checks.
 */
export function openssl(args: string[], input?: string): { status: number; output: string } {
  if (!opensslChecked) {
    try {
      execFileSync('openssl', ['version'], { stdio: 'pipe' });
    } catch {
      throw new Error('the openssl command-line tool is required by the PKI tests but was not found on PATH');
    }
    opensslChecked = true;
  }
  // openssl writes much of its report (-info, "verify OK") to stderr, so both streams are returned
  const result = spawnSync('openssl', args, { input, encoding: 'utf8' });
  return { status: result.status ?? 1, output: `${result.stdout ?? ''}${result.stderr ?? ''}` };
}

/** Writes PEM text to a file in `dir` and returns its path (openssl wants files). */
export function writeTemp(dir: string, name: string, content: string | Buffer): string {
  const file = path.join(dir, name);
  fs.writeFileSync(file, content);
  return file;
}

export function fileMode(file: string): number {
  return fs.statSync(file).mode & 0o777;
}

export interface HandshakeResult {
  authorized: boolean;
  authorizationError: string | null;
  peerSubject: Record<string, unknown> | null;
  peerSerial: string | null;
}

export interface HandshakeOptions {
  server: { cert: string; key: string; ca: string; crl?: string[] };
  /** PEM cert + key, or a PKCS#12 bundle (pfx + passphrase); ca is the trust anchor for the server's certificate. */
  client: { ca: string; cert?: string; key?: string; pfx?: Buffer; passphrase?: string };
}

/**
 * One mutual-TLS exchange over HTTPS on 127.0.0.1: the server asks for a
 * client certificate but lets the application decide (rejectUnauthorized:
 * false, as the real server does to show a helpful 401), and reports what
 * Node's TLS concluded about the client.
 */
export async function httpsHandshake(options: HandshakeOptions): Promise<HandshakeResult> {
  const server = https.createServer(
    { ...options.server, requestCert: true, rejectUnauthorized: false },
    (req, res) => {
      const socket = req.socket as tls.TLSSocket;
      const peer = socket.getPeerCertificate();
      const result: HandshakeResult = {
        authorized: socket.authorized,
        authorizationError: socket.authorizationError ? String(socket.authorizationError) : null,
        peerSubject: peer && peer.subject ? { ...peer.subject } : null,
        peerSerial: peer && peer.serialNumber ? peer.serialNumber : null,
      };
      res.setHeader('content-type', 'application/json');
      res.end(JSON.stringify(result));
    },
  );
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  try {
    return await new Promise<HandshakeResult>((resolve, reject) => {
      const req = https.request(
        { host: '127.0.0.1', port, path: '/', servername: 'localhost', agent: false, ...options.client },
        (res) => {
          let body = '';
          res.setEncoding('utf8');
          res.on('data', (chunk: string) => (body += chunk));
          res.on('end', () => resolve(JSON.parse(body) as HandshakeResult));
        },
      );
      req.on('error', reject);
      req.end();
    });
  } finally {
    server.closeAllConnections();
    await new Promise<void>((resolve) => server.close(() => resolve()));
  }
}
