import { Router } from 'express';
import type { Knex } from 'knex';
import { requireRole } from '../../auth/authorize';
import { listUsers } from '../../repositories/users';
import { presentPrincipal } from '../presenters/principal';
import { presentUser } from '../presenters/user';

/** Who am I (any principal), and who are the users (admins). */
export function identityRoutes({ db }: { db: Knex }): Router {
  const router = Router();
  router.get('/api/v1/whoami', (req, res) => {
    res.json({ principal: presentPrincipal(req.principal!) });
  });
  router.get('/api/v1/users', requireRole('admin'), async (_req, res) => {
    res.json({ users: (await listUsers(db)).map(presentUser) });
  });
  return router;
}
