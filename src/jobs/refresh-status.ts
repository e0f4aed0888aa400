import { createServices } from '../services';
import type { Job } from './job';

/** Marks hosts stale that stopped reporting (status.staleAfterDays); a report brings them back. */
export const refreshStatus: Job = {
  name: 'refresh-status',
  schedule: (config) => config.jobs.refreshStatus,
  async run(deps) {
    return { markedStale: await createServices(deps).evaluator.markStale() };
  },
};
