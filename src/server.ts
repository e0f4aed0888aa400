import { constants } from 'node:crypto';
import type { AddressInfo } from 'node:net';
import https from 'node:https';
import type { PeerCertificate, SecureContextOptions, TLSSocket } from 'node:tls';
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

/**
 * The client certificate of a connection, as getPeerCertificate() gives it,
 * built once per connection: it cannot change while the connection lasts,
 * and building it is a measurable part of a short report's cost, which the
 * authentication and passport-client-cert would otherwise each pay.
 */
function rememberPeerCertificate(socket: TLSSocket): void {
  const read = socket.getPeerCertificate.bind(socket);
  let peer: PeerCertificate | undefined;
  socket.getPeerCertificate = ((detailed?: boolean) => (detailed ? read(true) : (peer ??= read()))) as TLSSocket['getPeerCertificate'];
}

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
  server.on('secureConnection', rememberPeerCertificate);

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
