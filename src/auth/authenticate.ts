import type { NextFunction, Request, RequestHandler, Response } from 'express';
import type { Knex } from 'knex';
import passport from 'passport';
import { Strategy as ClientCertStrategy, type VerifyFunctionWithRequest } from 'passport-client-cert';
import { Strategy as BaseStrategy } from 'passport-strategy';
import type { Config } from '../config';
import { AuthenticationError } from '../errors';
import type { Logger } from '../logger';
import { type CertificateCheck, checkClientCertificate } from './client-certificate';
import { type NetworkList, networkList } from './networks';
import { type Principal, resolvePrincipal } from './principal';
import type { TrustMaterial } from './trust-store';

declare module 'express-serve-static-core' {
  interface Request {
    /** Set by authenticate(): who the client certificate says this is. */
    principal?: Principal;
    certificateCheck?: CertificateCheck;
    authRefusal?: { code: string; reason: string };
    /** Set when a certificate-less request was let through from a network allowed to send unverified reports. */
    unverified?: boolean;
  }
}

export interface AuthDeps {
  db: Knex;
  config: Config;
  logger: Logger;
  trust: () => TrustMaterial;
}

const PRINCIPALS_MAX = 50_000;

/** Certificates that arrive through a trusted reverse proxy (the socket itself carries none). */
class ProxyCertStrategy extends BaseStrategy {
  name = 'proxy-client-cert';
  constructor(private readonly verify: (req: Request, done: (err: unknown, principal?: Principal | false) => void) => void) {
    super();
  }
  override authenticate(req: Request): void {
    if (req.certificateCheck?.ok !== true || req.certificateCheck.certificate.via !== 'proxy') return this.fail(401);
    this.verify(req, (err, principal) => (err ? this.error(err as Error) : principal ? this.success(principal) : this.fail(401)));
  }
}

/**
 * Builds the authentication middleware. The TLS layer accepts every
 * handshake; here the certificate is checked (our reading of OpenSSL's verdict,
 * or a trusted proxy's header) and mapped to a principal with passport. A
 * refusal is logged with its reason and answered 401 with an explanation.
 */
export function createAuthenticator(deps: AuthDeps, options: { unverifiedFrom?: NetworkList } = {}): RequestHandler {
  const proxies = networkList(deps.config.proxy.trustedAddresses);
  const logger = deps.logger.child({ area: 'auth' });
  const authenticator = new passport.Passport();

  // Accepted principals by certificate fingerprint, for tls.principalCacheMs;
  // refusals are not kept, so a subject registered a moment ago gets in at once.
  const principals = new Map<string, { principal: Principal; until: number }>();
  const cacheMs = deps.config.tls.principalCacheMs;
  const verify = (req: Request, done: (err: unknown, principal?: Principal | false) => void) => {
    const check = req.certificateCheck;
    if (!check?.ok) return done(null, false);
    const key = check.certificate.fingerprint;
    const cached = principals.get(key);
    if (cached && cached.until > Date.now()) return done(null, cached.principal);
    resolvePrincipal(deps.db, check.certificate).then((resolution) => {
      if (resolution.ok) {
        if (cacheMs > 0) {
          if (principals.size >= PRINCIPALS_MAX) principals.clear();
          principals.set(key, { principal: resolution.principal, until: Date.now() + cacheMs });
        }
        return done(null, resolution.principal);
      }
      req.authRefusal = { code: resolution.code, reason: resolution.reason };
      done(null, false);
    }, done);
  };
  // The package's typings put `req` second; its code passes it first.
  const verifyWithRequest = (req: Request, _cert: unknown, done: (err: unknown, principal?: Principal | false) => void) => verify(req, done);
  authenticator.use('client-cert', new ClientCertStrategy({ passReqToCallback: true }, verifyWithRequest as unknown as VerifyFunctionWithRequest));
  authenticator.use('proxy-client-cert', new ProxyCertStrategy(verify));

  return (req: Request, res: Response, next: NextFunction) => {
    req.certificateCheck = checkClientCertificate(req, deps.config.proxy, proxies, deps.trust());
    authenticator.authenticate(['client-cert', 'proxy-client-cert'], { session: false }, (err: unknown, principal: Principal | false) => {
      if (err) return next(err);
      if (principal) {
        req.principal = principal;
        return next();
      }
      const check = req.certificateCheck;
      if (check?.ok === false && check.code === 'no_certificate' && options.unverifiedFrom?.has(req.socket.remoteAddress)) {
        req.unverified = true; // a migrating Pakiti/Patchman client: stored as unverified
        return next();
      }
      const refusal = req.authRefusal ?? (check && !check.ok ? { code: check.code, reason: check.reason } : { code: 'certificate_refused', reason: 'the certificate was not accepted' });
      logger.warn({ code: refusal.code, reason: refusal.reason, dn: check?.ok ? check.certificate.subjectDn : undefined, remote: req.socket.remoteAddress }, 'certificate refused');
      next(new AuthenticationError(`Refused: ${refusal.reason}.`, { reason: refusal.code }));
    })(req, res, next);
  };
}
