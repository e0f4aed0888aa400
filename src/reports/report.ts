/**
 * The one normalised report every wire format is parsed into (DESIGN.md §6).
 * Parsers produce it; the ingest service stores it. Nothing here knows about
 * HTTP or the database.
 */
import type { PackageType } from '../versions';

export type ReportFormat = 'patchscope-1' | 'pakiti-5' | 'pakiti-4' | 'patchman-1' | 'patchman-2';

export interface ReportedPackage {
  name: string;
  /** rpm epoch or Debian epoch, '' when absent (rpm "(none)" and "0" are kept as given; see normalise). */
  epoch: string;
  /** rpm version / Debian upstream version. */
  version: string;
  /** rpm release / Debian revision, '' when absent. */
  release: string;
  arch: string;
  /** The source package name, when the format carries it (rpm: from SOURCERPM; dpkg: ${source:Package}). */
  sourceName: string | null;
  /** The source package version in the same notation as `version` fields joined ([epoch:]version[-release]). */
  sourceVersion: string | null;
}

export type UpdateKind = 'security' | 'bugfix' | 'enhancement' | 'unknown';

export interface ReportedUpdate {
  name: string;
  /** The available version, full ([epoch:]version[-release]). */
  version: string;
  arch: string;
  repository: string | null;
  kind: UpdateKind;
}

export interface ReportedRepo {
  id: string;
  name: string | null;
  url: string | null;
  enabled: boolean;
}

export interface ReportedOs {
  /** As reported: PRETTY_NAME, Pakiti's "system:", Patchman's "os". */
  name: string;
  /** os-release ID (rocky, debian, ubuntu, …), lower case; null when the format does not say. */
  id: string | null;
  versionId: string | null;
  codename: string | null;
  idLike: string[];
}

export interface Report {
  format: ReportFormat;
  /** Lower-cased host name as the report gives it (FQDN expected). */
  hostname: string;
  site: string | null;
  tags: string[];
  packager: PackageType;
  arch: string | null;
  /** The running kernel (uname -r). */
  kernel: string | null;
  os: ReportedOs;
  /** null when the report does not say. */
  rebootRequired: boolean | null;
  client: string | null;
  packages: ReportedPackage[];
  /** null when the client did not report updates (no --updates). */
  updates: ReportedUpdate[] | null;
  repos: ReportedRepo[] | null;
  /** Header keys we do not know, kept as sent. */
  extraHeaders: Record<string, string>;
}
