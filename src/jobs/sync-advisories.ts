import { createServices } from '../services';
import type { Job } from './job';

/** Fetches the advisory sources whose feeds changed and imports them (conditional GET, checksum skip). */
export const syncAdvisories: Job = {
  name: 'sync-advisories',
  schedule: (config) => config.jobs.syncAdvisories,
  async run(deps) {
    const outcomes = await createServices(deps).sources.sync();
    const count = (result: string) => outcomes.filter((o) => o.result === result).length;
    return { imported: count('imported'), unchanged: count('unchanged'), failed: count('failed') };
  },
};
