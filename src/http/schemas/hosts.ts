import { z } from 'zod';
import { HOST_STATUSES, type HostStatus } from '../../status/host-status';

/** GET /api/v1/hosts query. */
export const listHostsQuery = z.strictObject({
  /** Only hosts of this site. */
  site: z.string().min(1).max(191).optional(),
  /** Only hosts whose OS maps to this OS group (rhel-9, debian-12, …). */
  osGroup: z.string().min(1).max(64).optional(),
  /** Only hosts with this status. */
  status: z.enum(HOST_STATUSES as [HostStatus, ...HostStatus[]]).optional(),
  /** Only hosts that reported within this many hours. */
  reportedWithinHours: z.coerce.number().positive().optional(),
  /** Only hosts that have not reported for at least this many hours (stale). */
  notReportedForHours: z.coerce.number().positive().optional(),
  /** 1-based page number. */
  page: z.coerce.number().int().min(1).default(1),
  /** Hosts per page, at most 1000. */
  perPage: z.coerce.number().int().min(1).max(1000).default(100),
});

/** GET /api/v1/hosts/:hostname query: which site, when the name exists at several. */
export const showHostQuery = z.strictObject({
  site: z.string().min(1).max(191).optional(),
});
