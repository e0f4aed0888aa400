import { ValidationError } from '../../../src/errors';
import { parseNativeReport } from '../../../src/reports/native';
import { decodePakitiBody } from '../../../src/reports/pakiti-body';
import { pakitiClientReport, pakitiDpkgLine, readDpkgStatus } from './package-lists';

// An Ubuntu report: libstdc++6 and "+dfsg" versions show whether a '+' survives.
const REPORT = pakitiClientReport(
  { arch: 'x86_64', host: 'ub1.example.org', kernel: '4.15.0-213-generic', packager: 'dpkg', system: 'Ubuntu 18.04.6 LTS', version: '1' },
  readDpkgStatus('claircore', 'texlive.status').map(pakitiDpkgLine),
);
const FORM = 'application/x-www-form-urlencoded';

function errorOf(contentType: string | undefined, body: Buffer): ValidationError {
  try {
    decodePakitiBody(contentType, body);
  } catch (err) {
    if (err instanceof ValidationError) return err;
    throw err;
  }
  throw new Error('decoded');
}

describe('decodePakitiBody', () => {
  test('when pakiti-client 3 posts with LWP (raw report, labelled form-urlencoded), then the text comes back byte for byte, "+" included', () => {
    const text = decodePakitiBody(FORM, Buffer.from(REPORT));
    expect(text).toBe(REPORT);
    expect(text).toContain('libstdc++6\t8.4.0-1ubuntu1~18.04\tamd64\n');
    expect(parseNativeReport(text, 'pakiti-5').packages).toHaveLength(357);
  });

  test('when the body comes as text/plain, octet-stream or without a Content-Type (curl --data-binary, wget --post-file), then it is the same text', () => {
    for (const type of ['text/plain; charset=utf-8', 'application/octet-stream', undefined]) {
      expect(decodePakitiBody(type, Buffer.from(REPORT))).toBe(REPORT);
    }
  });

  test('when the report is really form-encoded in a field "report" (curl --data-urlencode report@file), then the field is decoded', () => {
    const body = `mode=store-only&report=${encodeURIComponent(REPORT)}`;
    expect(decodePakitiBody(FORM, Buffer.from(body))).toBe(REPORT);
  });

  test('when the whole body is one encoded value (curl --data-urlencode @file), then it is decoded', () => {
    expect(decodePakitiBody(FORM, Buffer.from(encodeURIComponent(REPORT)))).toBe(REPORT);
  });

  test('when the report is in a single field of another name, with "+" for spaces, then that field is taken', () => {
    const body = new URLSearchParams({ data: REPORT }).toString();
    expect(body).toContain('+');
    expect(decodePakitiBody(FORM, Buffer.from(body))).toBe(REPORT);
  });

  test('when the body has CRLF line ends or a UTF-8 byte order mark, then it still parses the same', () => {
    const crlf = decodePakitiBody(FORM, Buffer.concat([Buffer.from([0xef, 0xbb, 0xbf]), Buffer.from(REPORT.replace(/\n/g, '\r\n'))]));
    expect(crlf.startsWith('#')).toBe(true);
    expect(parseNativeReport(crlf, 'pakiti-5')).toEqual(parseNativeReport(REPORT, 'pakiti-5'));
  });

  test.each<[string, string | undefined, Buffer, string]>([
    ['an empty body', FORM, Buffer.alloc(0), 'empty body: expected a Pakiti report'],
    [
      'an S/MIME-encrypted report (pakiti-client --encrypt)',
      'application/octet-stream',
      Buffer.from([0x30, 0x82, 0x01, 0x9a, 0x06, 0x09, 0x2a, 0x86, 0x48, 0x86, 0xf7, 0x0d, 0x01, 0x07, 0x03]),
      'the report is S/MIME-encrypted (pakiti-client --encrypt); Patchscope takes reports over HTTPS only, so run the client without --encrypt',
    ],
    ['bytes that are not UTF-8', FORM, Buffer.from([0x23, 0x0a, 0xff, 0xfe, 0x0a]), 'the body is not valid UTF-8 text'],
    ['a report whose line breaks curl -d removed', FORM, Buffer.from(REPORT.replace(/\n/g, '')), 'the report has no line breaks; it was probably sent with curl -d @file, which removes them (use --data-binary @file)'],
    ['a form without a report', FORM, Buffer.from('host=a.example.org&packager=rpm'), 'the body is not a Pakiti report: send the report text itself (its first line is "#"), or form-urlencoded in a field named "report"'],
    ['a multipart body', 'multipart/form-data; boundary=xYzZY', Buffer.from(`--xYzZY\r\nContent-Disposition: form-data; name="report"\r\n\r\n${REPORT}\r\n--xYzZY--\r\n`), 'the body is not a Pakiti report: send the report text itself (its first line is "#"), or form-urlencoded in a field named "report"'],
    ['JSON', 'application/json', Buffer.from('{"host":"a"}'), 'the body is not a Pakiti report: send the report text itself (its first line is "#"), or form-urlencoded in a field named "report"'],
    ['malformed %-escapes', FORM, Buffer.from('%23%0Ahost%3A%ZZ'), 'the body is form-urlencoded but its %-escapes are malformed'],
  ])('when the body is %s, then it is refused with a 400', (_what, type, body, message) => {
    const err = errorOf(type, body);
    expect(err.message).toBe(message);
    expect(err.status).toBe(400);
  });
});
