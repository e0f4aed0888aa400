import fs from 'node:fs';
import https from 'node:https';
import type { TLSSocket } from 'node:tls';

export interface Identity {
  cert?: string;
  key?: string;
}

export interface HttpsResponse {
  status: number;
  headers: Record<string, string | string[] | undefined>;
  text: string;
  json(): unknown;
  /** The TLS protocol that was negotiated. */
  protocol: string | null;
}

/**
 * One request over a new TLS connection (as cron clients make them), with the
 * certificate and key files of `identity`, trusting only `caFile`.
 */
export function httpsRequest(options: {
  port: number;
  path: string;
  caFile: string;
  identity?: Identity;
  method?: string;
  headers?: Record<string, string>;
  body?: string | Buffer;
  maxVersion?: 'TLSv1.1' | 'TLSv1.2' | 'TLSv1.3';
}): Promise<HttpsResponse> {
  return new Promise((resolve, reject) => {
    const req = https.request(
      {
        host: '127.0.0.1',
        servername: 'localhost',
        port: options.port,
        path: options.path,
        method: options.method ?? 'GET',
        headers: { Accept: 'application/json', ...options.headers },
        ca: fs.readFileSync(options.caFile),
        cert: options.identity?.cert ? fs.readFileSync(options.identity.cert) : undefined,
        key: options.identity?.key ? fs.readFileSync(options.identity.key) : undefined,
        agent: false,
        maxVersion: options.maxVersion,
        minVersion: options.maxVersion === 'TLSv1.1' ? 'TLSv1' : undefined,
      },
      (res) => {
        const chunks: Buffer[] = [];
        res.on('data', (chunk: Buffer) => chunks.push(chunk));
        res.on('end', () => {
          const text = Buffer.concat(chunks).toString('utf8');
          resolve({
            status: res.statusCode ?? 0,
            headers: res.headers,
            text,
            json: () => JSON.parse(text),
            protocol: (res.socket as TLSSocket).getProtocol?.() ?? null,
          });
        });
      },
    );
    req.on('error', reject);
    req.end(options.body);
  });
}
