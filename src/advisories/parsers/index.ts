/** The parser for each feed format. */
import type { FeedFormat, FeedParser } from '../feed';
import { debianOvalParser } from './debian-oval';
import { debianTrackerParser } from './debian-tracker';
import { kevParser } from './kev';
import { osvParser } from './osv';
import { redhatOvalParser } from './redhat-oval';
import { ubuntuOvalParser } from './ubuntu-oval';
import { ubuntuTrackerParser } from './ubuntu-tracker';

const PARSERS: Record<FeedFormat, FeedParser> = {
  'redhat-oval': redhatOvalParser,
  'debian-oval': debianOvalParser,
  'debian-tracker': debianTrackerParser,
  'ubuntu-oval': ubuntuOvalParser,
  'ubuntu-tracker': ubuntuTrackerParser,
  osv: osvParser,
  kev: kevParser,
};

export function parserFor(format: FeedFormat): FeedParser {
  const parser = PARSERS[format] as FeedParser | undefined;
  // The format may come from a command line or a setting, past the type checker.
  if (!parser) throw new Error(`unknown feed format "${String(format)}"`);
  return parser;
}
