import https from 'node:https';
import express from 'express';
import { createCa, issueCertificate } from '../../../src/pki';
import { listen } from '../../../src/server';

/** A server certificate for 127.0.0.1 from a throwaway CA, made once. */
let material: { key: string; cert: string; ca: string } | undefined;
function tlsFor127(): { key: string; cert: string; ca: string } {
  if (!material) {
    const ca = createCa({ commonName: 'Shutdown Test CA', keyBits: 3072 });
    const leaf = issueCertificate(ca, { profile: 'server', commonName: 'localhost', sans: ['127.0.0.1'] });
    material = { key: leaf.keyPem, cert: leaf.certPem, ca: ca.certPem };
  }
  return material;
}

function get(port: number, path: string, ca: string, agent?: https.Agent): Promise<{ status: number; connection?: string; body: string }> {
  return new Promise((resolve, reject) => {
    https
      .get({ host: '127.0.0.1', port, path, ca, agent: agent ?? false }, (res) => {
        let body = '';
        res.on('data', (chunk) => (body += chunk));
        res.on('end', () => resolve({ status: res.statusCode ?? 0, connection: res.headers.connection, body }));
      })
      .on('error', reject);
  });
}

describe('graceful shutdown of the HTTPS listener', () => {
  test('when closing with a request in flight, then that request finishes, idle connections close, and new ones are refused', async () => {
    const tls = tlsFor127();
    let release: () => void = () => undefined;
    let started: () => void = () => undefined;
    const inFlight = new Promise<void>((resolve) => (started = resolve));
    const app = express();
    app.get('/slow', (_req, res) => {
      started();
      new Promise<void>((resolve) => (release = resolve)).then(() => res.send('done'));
    });
    app.get('/fast', (_req, res) => res.send('fast'));
    const server = await listen(app, { host: '127.0.0.1', port: 0, tls: { key: tls.key, cert: tls.cert } });

    const keepAlive = new https.Agent({ keepAlive: true });
    expect((await get(server.port, '/fast', tls.ca, keepAlive)).body).toBe('fast'); // leaves an idle keep-alive connection
    const slow = get(server.port, '/slow', tls.ca);
    await inFlight;

    let closed = false;
    const closing = server.close(5000).then(() => (closed = true));
    await new Promise((resolve) => setTimeout(resolve, 100));
    expect(closed).toBe(false); // waits for /slow
    await expect(get(server.port, '/fast', tls.ca)).rejects.toThrow(/ECONNREFUSED/);

    release();
    expect(await slow).toEqual({ status: 200, connection: 'close', body: 'done' });
    await closing;
    expect(closed).toBe(true);
    keepAlive.destroy();
  });

  test('when a request outlives the timeout, then its connection is cut and close still resolves', async () => {
    const tls = tlsFor127();
    const app = express();
    let started: () => void = () => undefined;
    const inFlight = new Promise<void>((resolve) => (started = resolve));
    app.get('/never', () => started());
    const server = await listen(app, { host: '127.0.0.1', port: 0, tls: { key: tls.key, cert: tls.cert } });
    const hanging = get(server.port, '/never', tls.ca).catch((err: Error) => err);
    await inFlight;
    const begin = Date.now();
    await server.close(300);
    expect(Date.now() - begin).toBeLessThan(3000);
    expect(String(await hanging)).toMatch(/socket hang up|ECONNRESET/);
  });
});
