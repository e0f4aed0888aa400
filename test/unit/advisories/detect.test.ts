import fs from 'node:fs';
import { createGunzip } from 'node:zlib';
import * as tar from 'tar-stream';
import { DETECT_HEAD_BYTES, detectFormat } from '../../../src/advisories/input/detect';
import { sharedDataPath } from '../../helpers/shared-data';

/** What readFeed gives detectFormat: the first 64 KB of the document. */
const headOf = (...parts: string[]) => {
  const handle = fs.openSync(sharedDataPath('advisories', ...parts), 'r');
  try {
    const buffer = Buffer.alloc(DETECT_HEAD_BYTES);
    const length = fs.readSync(handle, buffer, 0, buffer.length, 0);
    return buffer.subarray(0, length).toString('utf8');
  } finally {
    fs.closeSync(handle);
  }
};

/** The first 64 KB of an archive's first member. */
async function firstMemberHead(archive: string): Promise<string> {
  const extract = tar.extract();
  fs.createReadStream(sharedDataPath('advisories', archive)).pipe(createGunzip()).pipe(extract as unknown as NodeJS.WritableStream);
  for await (const entry of extract) {
    if (entry.header.type !== 'file') {
      entry.resume();
      continue;
    }
    const chunks: Buffer[] = [];
    for await (const chunk of entry as unknown as AsyncIterable<Buffer>) chunks.push(chunk);
    extract.destroy();
    return Buffer.concat(chunks).subarray(0, DETECT_HEAD_BYTES).toString('utf8');
  }
  throw new Error(`${archive} has no file`);
}

describe('feed format detection', () => {
  it('when Red Hat OVAL v1 and v2 are seen, then their generator "Red Hat OVAL Patch Definition Merger" names them', () => {
    expect(detectFormat(headOf('redhat', 'com.redhat.rhsa-all.xml'))).toBe('redhat-oval');
    expect(detectFormat(headOf('redhat', 'rhel-7.oval.xml'))).toBe('redhat-oval');
    expect(detectFormat(headOf('redhat', 'rhel-8.oval.xml'))).toBe('redhat-oval');
  });

  it('when Oracle OVAL is seen (generator "Oracle Errata System", a file without extension), then it reads as Red Hat OVAL', () => {
    expect(detectFormat(headOf('oracle', 'mock_ksplice_data'))).toBe('redhat-oval');
  });

  it('when Debian and Ubuntu OVAL are seen, then generators "Debian" and "Canonical CVE OVAL Generator" tell them apart', () => {
    expect(detectFormat(headOf('debian', 'debian_oval_data.xml'))).toBe('debian-oval');
    expect(detectFormat(headOf('ubuntu', 'ubuntu_oval_data.xml'))).toBe('ubuntu-oval');
  });

  it('when an OVAL file has no product name, then its definition ids or rpminfo tests decide', () => {
    const noProduct = (text: string) => text.replace(/<oval:product_name>[^<]*<\/oval:product_name>/, '');
    // Ubuntu's ids are oval:com.ubuntu.bionic:def:…, Debian's oval:org.debian:def:…, Oracle's oval:com.oracle.elsa:def:….
    expect(detectFormat(noProduct(headOf('ubuntu', 'ubuntu_oval_data.xml')))).toBe('ubuntu-oval');
    expect(detectFormat(noProduct(headOf('debian', 'debian_oval_data.xml')))).toBe('debian-oval');
    expect(detectFormat(noProduct(headOf('oracle', 'mock_ksplice_data')))).toBe('redhat-oval');
    expect(detectFormat('<oval_definitions><tests><linux-def:rpminfo_test id="x"/></tests></oval_definitions>')).toBe('redhat-oval');
    expect(detectFormat('<oval_definitions><definitions/></oval_definitions>')).toBeNull();
  });

  it('when the KEV catalogue is seen, then "catalogVersion" names it even from its first 64 KB of 1.2 MB', () => {
    expect(detectFormat(headOf('kev.json'))).toBe('kev');
  });

  it('when OSV records are seen, then AlmaLinux (no schema_version), Rocky, Ubuntu and Debian records all read as OSV', async () => {
    expect(detectFormat(headOf('osv', 'almalinux', 'ALBA-2021:4378.json'))).toBe('osv');
    expect(detectFormat(headOf('osv', 'rocky', 'RLSA-2021_3891.json'))).toBe('osv');
    expect(detectFormat(headOf('osv', 'ubuntu', 'USN-5614-1.json'))).toBe('osv');
    expect(detectFormat(headOf('osv', 'ubuntu', 'UBUNTU-CVE-2005-1515.json'))).toBe('osv');
    // The archive's first member is CVE/2002/CVE-2002-0380.json (tab-indented, schema 1.6.0).
    expect(detectFormat(await firstMemberHead('osv-debian12.tar.gz'))).toBe('osv');
  });

  it('when Ubuntu tracker and Debian tracker JSON are seen, then candidate/packages and a CVE-keyed object tell them', async () => {
    // The archive's first member, 2002/CVE-2002-2439.json, is 106 KB: only its head is seen.
    expect(detectFormat(await firstMemberHead('ubuntu-cve-tracker-jammy.tar.gz'))).toBe('ubuntu-tracker');
    expect(detectFormat(headOf('debian', 'debian.json'))).toBe('debian-tracker');
    // The live tracker file is compact JSON, and may start with an issue keyed by a TEMP id.
    expect(detectFormat('{"0ad":{"TEMP-0000000-AB12CD":{"description":"x","releases":{"bookworm":{"status":"open"}}}}}')).toBe('debian-tracker');
  });

  it('when something else is seen, then no format is claimed', () => {
    expect(detectFormat(headOf('redhat', 'rhsa-2024_6163.json'))).toBeNull(); // CSAF, not a format read here
    expect(detectFormat(headOf('debian', 'security-tracker', 'data', 'DSA', 'list'))).toBeNull(); // the DSA text list
    expect(detectFormat('')).toBeNull();
    expect(detectFormat('{"name": "x"}')).toBeNull();
    expect(detectFormat('\uFEFF  {"catalogVersion": "1", "vulnerabilities": []}')).toBe('kev'); // a BOM and blanks are fine
  });
});
