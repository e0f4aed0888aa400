/**
 * The report text of a Pakiti protocol 5 POST, whichever way it was sent.
 *
 * No released pakiti-client form-encodes its report, whatever its
 * Content-Type says:
 *  - pakiti-client 3 (Perl, LWP) does `$ua->post($url, Content => $report)`.
 *    HTTP::Request::Common uses a plain-string Content verbatim and labels it
 *    `application/x-www-form-urlencoded` all the same.
 *  - the older bin/pakiti-client posts with `curl --data-binary @file` or
 *    `wget --post-file`: raw bytes, and again labelled form-urlencoded.
 *  - Pakiti's server reads `php://input`, so no field name was ever defined.
 * So a body that starts with "#" is the report, whatever the label; decoding
 * it as a form would turn every '+' (libstdc++, 1.0+dfsg) into a space.
 *
 * A body that really is form-encoded (a hand-made `curl --data-urlencode
 * report@file`, or `--data-urlencode @file` without a name) is decoded and
 * the report taken from a field named "report", or from the one field whose
 * value starts with "#".
 */
import { ValidationError } from '../errors';

const fatalUtf8 = new TextDecoder('utf-8', { fatal: true });

function mediaType(contentType: string | undefined): string {
  return (contentType ?? '').split(';')[0].trim().toLowerCase();
}

function startsWithHash(text: string): boolean {
  return text.trimStart().startsWith('#');
}

/** The report must keep its line breaks; `curl -d @file` strips them. */
function checkLines(text: string): string {
  if (text.indexOf('\n') < 0 && text.trim().length > 1) {
    throw new ValidationError(
      'the report has no line breaks; it was probably sent with curl -d @file, which removes them (use --data-binary @file)',
    );
  }
  return text;
}

function decodeForm(text: string): string | null {
  // `--data-urlencode @file`: the whole body is one encoded value.
  if (/^%23/i.test(text.trimStart())) return decodeURIComponent(text.trim().replace(/\+/g, ' '));
  const params = new URLSearchParams(text);
  const named = params.get('report');
  if (named !== null) return named;
  const candidates = [...params.values()].filter(startsWithHash);
  return candidates.length === 1 ? candidates[0] : null;
}

export function decodePakitiBody(contentType: string | undefined, body: Buffer): string {
  if (body.length === 0) throw new ValidationError('empty body: expected a Pakiti report');
  // openssl smime -encrypt -outform DER (pakiti-client --encrypt): an ASN.1 SEQUENCE with a long-form length.
  if (body[0] === 0x30 && body.length > 1 && body[1] >= 0x80) {
    throw new ValidationError(
      'the report is S/MIME-encrypted (pakiti-client --encrypt); Patchscope takes reports over HTTPS only, so run the client without --encrypt',
    );
  }
  let text: string;
  try {
    text = fatalUtf8.decode(body); // also drops a leading byte order mark
  } catch {
    throw new ValidationError('the body is not valid UTF-8 text');
  }
  if (startsWithHash(text)) return checkLines(text);

  const type = mediaType(contentType);
  if (type === '' || type === 'application/x-www-form-urlencoded' || type === 'text/plain') {
    let report: string | null;
    try {
      report = decodeForm(text);
    } catch {
      throw new ValidationError('the body is form-urlencoded but its %-escapes are malformed');
    }
    if (report !== null && startsWithHash(report)) return checkLines(report);
  }
  throw new ValidationError(
    'the body is not a Pakiti report: send the report text itself (its first line is "#"), or form-urlencoded in a field named "report"',
    { contentType: type || null },
  );
}
