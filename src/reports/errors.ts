/**
 * The one error every report parser throws for bad input. Its message names
 * where the problem is (a line of the report, a form field, a JSON path) and
 * what it is, so the person running the client can fix it from the HTTP
 * answer alone (DESIGN.md §9).
 */
import { ValidationError } from '../errors';

/** Where in a report a problem is. Lines are 1-based, counted over every line (blank ones too). */
export interface ReportPlace {
  /** A line of the report text, or of the form field named by `field`. */
  line?: number;
  /** A form field (Pakiti protocol 4, Patchman protocol 1). */
  field?: string;
  /** A JSON path such as `packages[3].version` (Patchman protocol 2). */
  path?: string;
}

export function describePlace(place: ReportPlace | null): string {
  if (!place) return '';
  if (place.path !== undefined) return place.path;
  if (place.field !== undefined) return place.line === undefined ? `field "${place.field}"` : `field "${place.field}" line ${place.line}`;
  return place.line === undefined ? '' : `line ${place.line}`;
}

export class ReportParseError extends ValidationError {
  readonly place: ReportPlace | null;
  readonly problem: string;

  constructor(place: ReportPlace | null, problem: string) {
    const where = describePlace(place);
    super(where ? `${where}: ${problem}` : problem, { ...place, problem });
    // A copy: parsers reuse one mutable place object on their hot loop.
    this.place = place ? { ...place } : null;
    this.problem = problem;
  }
}

/**
 * Longest accepted value per field: the database columns (sql/migrations),
 * so a report that parses can always be stored without truncation.
 */
export const LIMITS = {
  name: 191,
  epoch: 16,
  version: 191,
  release: 191,
  arch: 32,
  source: 191,
  hostname: 191,
  site: 191,
  tag: 191,
  kernel: 191,
  osName: 191,
  /** os-release ID, VERSION_ID, codename (oses.distro_id, version_id, codename). */
  osField: 64,
  client: 191,
  repository: 191,
  repoId: 191,
  repoName: 255,
  url: 1024,
  /** Unknown header keys and values kept in extraHeaders. */
  extra: 1024,
} as const;

/** A value for an error message: quoted, and cut short so that the message stays readable. */
export function shown(value: string, max = 60): string {
  return JSON.stringify(value.length > max ? `${value.slice(0, max)}…` : value);
}
