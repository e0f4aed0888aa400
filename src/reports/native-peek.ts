/**
 * The host and site a native or Pakiti 5 report names, read from its header
 * without parsing the rest: enough to authorise the sender and to recognise a
 * byte-identical re-report. Anything unusual returns null, and the full parser
 * then gives the proper error.
 */
export function peekNativeIdentity(text: string): { hostname: string; site: string | null } | null {
  let pos = 0;
  let hashes = 0;
  let hostname: string | null = null;
  let site: string | null = null;
  for (let lines = 0; lines < 200 && pos < text.length; lines++) {
    let end = text.indexOf('\n', pos);
    if (end < 0) end = text.length;
    const line = text.slice(pos, end).trim();
    pos = end + 1;
    if (line === '#') {
      if (++hashes === 2) return hostname ? { hostname, site } : null;
      continue;
    }
    if (hashes === 0) {
      if (line === '') continue;
      return null;
    }
    const colon = line.indexOf(':');
    if (colon < 0) continue;
    const key = line.slice(0, colon).trim().toLowerCase();
    const value = line.slice(colon + 1).trim();
    // As the parser does: the first name of a multi-name line, without a trailing dot.
    if (key === 'host') hostname = (value.split(/\s+/)[0] ?? '').replace(/\.$/, '').toLowerCase() || null;
    else if (key === 'site') site = value || null;
  }
  return null;
}
