import { constants } from 'node:crypto';
import type { AddressInfo } from 'node:net';
import https from 'node:https';
import type { SecureContextOptions } from 'node:tls';
import type { Express } from 'express';

export interface TlsMaterial {
  key: string | Buffer;
  cert: string | Buffer;
  /** Trust anchors for client certificates. */
  ca?: (string | Buffer)[];
  crl?: (string | Buffer)[];
}

export interface RunningServer {
  server: https.Server;
  port: number;
  /**
   * Stops accepting connections, lets in-flight requests finish (answering
   * them with `Connection: close`), closes idle keep-alive connections at
   * once, and cuts whatever is still open after `timeoutMs`.
   */
  close(timeoutMs: number): Promise<void>;
}

/**
 * What every server TLS context gets. TLS 1.2 is the floor. No session
 * tickets: hosts report from cron, a new client process each time that never
 * resumes a session, and making the tickets costs about a fifth of the
 * server's CPU for a handshake; browsers and peers keep their connections
 * open instead.
 */
export const serverTlsOptions: SecureContextOptions = { minVersion: 'TLSv1.2', secureOptions: constants.SSL_OP_NO_TICKET };

/** The HTTPS listener. TLS 1.2 is the floor; the client certificate is asked for, and the app decides what to make of it. */
export async function listen(app: Express, options: { host: string; port: number; tls: TlsMaterial; requestTimeoutMs?: number }): Promise<RunningServer> {
  let closing = false;
  const server = https.createServer(
    {
      ...options.tls,
      ...serverTlsOptions,
      requestCert: true,
      // The app, not the TLS layer, refuses bad certificates, so that the
      // client gets a page or JSON that explains what is wrong.
      rejectUnauthorized: false,
    },
    (req, res) => {
      if (closing) res.setHeader('Connection', 'close');
      app(req, res);
    },
  );
  if (options.requestTimeoutMs) server.requestTimeout = options.requestTimeoutMs;

  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(options.port, options.host, () => {
      server.off('error', reject);
      resolve();
    });
  });

  return {
    server,
    port: (server.address() as AddressInfo).port,
    close(timeoutMs) {
      closing = true;
      return new Promise<void>((resolve) => {
        const timer = setTimeout(() => server.closeAllConnections(), timeoutMs);
        timer.unref();
        server.close(() => {
          clearTimeout(timer);
          resolve();
        });
        server.closeIdleConnections();
      });
    },
  };
}
