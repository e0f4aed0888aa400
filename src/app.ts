import path from 'node:path';
import express, { type Express, type RequestHandler } from 'express';
import type { Knex } from 'knex';
import { pinoHttp } from 'pino-http';
import type { Config } from './config';
import { createAuthenticator } from './auth/authenticate';
import { indexCrls } from './auth/revocation';
import type { TrustMaterial } from './auth/trust-store';
import { errorHandler, notFound } from './http/middleware/error-handler';
import { securityHeaders } from './http/middleware/security-headers';
import { healthRoutes } from './http/routes/health';
import { compatRoutes } from './http/routes/compat';
import { cveRoutes } from './http/routes/cves';
import { homeRoutes } from './http/routes/home';
import { hostRoutes } from './http/routes/hosts';
import { identityRoutes } from './http/routes/identity';
import { reportRoutes } from './http/routes/reports';
import { createViewEngine } from './http/views';
import { withDirectRoutes } from './http/direct-route';
import type { Logger } from './logger';
import { packageVersion, templatesDir } from './paths';
import { IngestService } from './reports/ingest';
import type { HintChannel } from './reports/repeat-hints';
import { createServices } from './services';

export interface AppDeps {
  config: Config;
  db: Knex;
  logger: Logger;
  /** The trust anchors and CRLs in force (for certificates passed on by a reverse proxy). */
  trust?: () => TrustMaterial;
  startedAt?: Date;
  /** Set in a server worker: the repeat path's hints, shared with the other workers. */
  hints?: HintChannel;
}

const noTrust: TrustMaterial = { caPems: [], crlPems: [], cas: [], revocation: indexCrls([], []), signature: '' };

/**
 * Builds the express app. It never listens: main.ts puts it behind the HTTPS
 * listener, tests drive it directly. The middleware order reads top to bottom.
 */
export function createApp({ config, db, logger, trust = () => noTrust, startedAt = new Date(), hints }: AppDeps): Express {
  const app = express();
  const views = createViewEngine(templatesDir);
  const version = packageVersion;

  app.disable('x-powered-by');
  app.set('trust proxy', false);
  // No ETag on answers: they are made per request and never asked for again
  // conditionally, and hashing every answer shows in a report's cost.
  // (Static assets keep theirs: express.static makes its own.)
  app.set('etag', false);
  const httpLogger = logger.child({ area: 'http' });
  // What every request passes first, here and in the direct route below: the
  // access log, at info only (above it nothing would be written, and the
  // middleware would still cost each report a child logger), and the
  // security headers.
  const first: RequestHandler[] = [
    ...(logger.isLevelEnabled('info') ? [pinoHttp({ logger: httpLogger, quietReqLogger: true, autoLogging: { ignore: (req) => req.url === '/healthz' } })] : []),
    securityHeaders(),
  ];
  app.use(first);

  const services = createServices({ db, config, logger });
  const ingest = new IngestService({ db, config, logger, evaluator: services.evaluator, hints });
  // One authenticator (and so one principal cache) for the report route and everything below.
  const authenticate = createAuthenticator({ db, config, logger, trust });

  // Hosts' native reports come first: a site's whole fleet sends one every
  // night, and every layer a request passes costs it. As the client sends it
  // the route skips express altogether (direct-route.ts); spelt otherwise it
  // is this router's, ahead of the layers below. Either way it authenticates
  // itself, with the authenticator everything below uses. Together that took
  // an unchanged report from 9.40 to 7.81 M instructions (ingest bench,
  // --callgrind).
  const reports = reportRoutes({
    config, db, ingest, evaluator: services.evaluator, authenticate, appMiddleware: first, logger: httpLogger,
  });
  app.use(reports.router);

  app.use('/assets', express.static(path.join(templatesDir, 'assets'), { index: false, maxAge: '1h' }));

  // Public: health for load balancers, static assets for the certificate page.
  app.use(healthRoutes({ db, version, startedAt }));

  // Pakiti and Patchman clients: they authenticate themselves (and may be let in unverified from listed networks).
  app.use(compatRoutes({ db, config, logger, trust, ingest, evaluator: services.evaluator }));

  // Everything below needs a client certificate that maps to a principal.
  app.use(authenticate);
  app.use(identityRoutes({ db }));
  app.use(hostRoutes({ db, evaluator: services.evaluator }));
  app.use(cveRoutes({ db, evaluator: services.evaluator }));
  app.use(homeRoutes({ views, version }));

  app.use(notFound);
  app.use(errorHandler(views, httpLogger));
  return withDirectRoutes(app, [reports.direct]);
}
