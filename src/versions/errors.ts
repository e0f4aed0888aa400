/**
 * Thrown when a version string cannot be compared at all, i.e. where
 * `dpkg --compare-versions` stops with "bad syntax" as an error (exit 2),
 * not where it merely warns and still compares.
 */
export class VersionSyntaxError extends Error {
  /** The offending version string, verbatim. */
  readonly version: string;

  constructor(problem: string, version: string) {
    super(`${problem}: ${JSON.stringify(version)}`);
    this.name = 'VersionSyntaxError';
    this.version = version;
  }
}
