import fs from 'node:fs';
import type { Readable } from 'node:stream';
import { debianOvalParser } from '../../../src/advisories/parsers/debian-oval';
import { normaliseDebianEvr } from '../../../src/advisories/parsers/oval-dpkg';
import { collectingSink, streamInChunks } from '../../helpers/feed-sink';
import { sharedDataPath } from '../../helpers/shared-data';

const FEED = ['advisories', 'debian', 'debian_oval_data.xml'];

async function parse(input: Readable) {
  const collected = collectingSink();
  await debianOvalParser.parse(input, collected.sink);
  return collected;
}

const feedText = () => fs.readFileSync(sharedDataPath(...FEED), 'utf8');

/**
 * The shared feed with the versions taken out of the criterion comments
 * ("a2ps DPKG is earlier than 1:4.14-1.1+deb7u1" → "a2ps DPKG"), so the
 * parser has to follow test → object → state at the end of the file.
 */
const withoutCommentVersions = () => feedText().replace(/ DPKG is earlier than [^"]*/g, ' DPKG');

describe('Debian OVAL', () => {
  it('when the shared feed is read, then each CVE affects its source package on Debian 7 up to the fixed version', async () => {
    const feed = await parse(fs.createReadStream(sharedDataPath(...FEED)));
    // oval:org.debian:def:20011593: CVE-2001-1593, "a2ps DPKG is earlier than 1:4.14-1.1+deb7u1", moreinfo "DSA-2892";
    // oval:org.debian:def:20022443: CVE-2002-2443, "krb5 DPKG is earlier than 1.10.1+dfsg-5+deb7u1", moreinfo "DSA-2701".
    expect(feed.affected).toEqual([
      {
        osGroup: 'debian-7', packageName: 'a2ps', nameKind: 'source', fixedVersion: '1:4.14-1.1+deb7u1',
        cveId: 'CVE-2001-1593', advisoryId: 'DSA-2892', severity: 'unknown', moduleStream: null,
      },
      {
        osGroup: 'debian-7', packageName: 'krb5', nameKind: 'source', fixedVersion: '1.10.1+dfsg-5+deb7u1',
        cveId: 'CVE-2002-2443', advisoryId: 'DSA-2701', severity: 'unknown', moduleStream: null,
      },
    ]);
    expect(feed.definitions).toBe(2);
    expect(feed.broken).toEqual([]);
    // Debian OVAL has no urgency or CVSS; its <date> is the fix's, not the CVE's publication.
    expect(feed.cves).toEqual([
      { id: 'CVE-2001-1593', severity: 'unknown', cvssScore: null, cvssVector: null, publishedAt: null, description: 'security update' },
      { id: 'CVE-2002-2443', severity: 'unknown', cvssScore: null, cvssVector: null, publishedAt: null, description: 'denial of service' },
    ]);
  });

  it('when the version must come from the dpkginfo state, then the doubled epoch "0:1:4.14-1.1+deb7u1" becomes 1:4.14-1.1+deb7u1', async () => {
    const feed = await parse(streamInChunks(withoutCommentVersions(), 4096));
    // tst:3 → obj:3 (name a2ps) and ste:2 (evr less than "0:1:4.14-1.1+deb7u1", the upstream quirk);
    // tst:4 → obj:4 (name krb5) and ste:3 (evr less than "0:1.10.1+dfsg-5+deb7u1": a plain 0: epoch, kept).
    expect(feed.affected.map((r) => [r.packageName, r.fixedVersion, r.cveId])).toEqual([
      ['a2ps', '1:4.14-1.1+deb7u1', 'CVE-2001-1593'],
      ['krb5', '0:1.10.1+dfsg-5+deb7u1', 'CVE-2002-2443'],
    ]);
    expect(feed.definitions).toBe(2);
    expect(normaliseDebianEvr(' 0:1:4.14-1.1+deb7u1 ')).toBe('1:4.14-1.1+deb7u1');
    expect(normaliseDebianEvr('0:1.10.1+dfsg-5+deb7u1')).toBe('0:1.10.1+dfsg-5+deb7u1');
    expect(normaliseDebianEvr('2:1.0-1')).toBe('2:1.0-1');
  });

  it('when the feed arrives in 100-byte chunks, then both the comment and the state paths give the same rows', async () => {
    const whole = await parse(fs.createReadStream(sharedDataPath(...FEED)));
    const chunked = await parse(streamInChunks(feedText(), 100));
    expect(chunked.affected).toEqual(whole.affected);
    expect(chunked.cves).toEqual(whole.cves);
    const deferredWhole = await parse(streamInChunks(withoutCommentVersions(), 1 << 20));
    const deferredChunked = await parse(streamInChunks(withoutCommentVersions(), 100));
    expect(deferredChunked.affected).toEqual(deferredWhole.affected);
    expect(deferredChunked.definitions).toBe(2);
  });

  it('when definitions say "earlier than 0", have no state, name a missing test or an unknown platform, then each is handled alone', async () => {
    // Synthetic bookworm feed in the shape of the shared one.
    const definition = (n: string, platform: string, criteria: string) => `
    <definition class="vulnerability" id="oval:org.debian:def:${n}" version="1">
      <metadata><title>CVE-2023-${n}</title>
        <affected family="unix">${platform ? `<platform>${platform}</platform>` : ''}</affected>
        <description>synthetic</description><debian><date>2023-06-01</date><moreinfo>DSA-5400-1</moreinfo></debian>
      </metadata>
      <criteria comment="Release section" operator="AND">${criteria}</criteria>
    </definition>`;
    const xml = `<?xml version='1.0' encoding='utf-8'?>
<oval_definitions xmlns="http://oval.mitre.org/XMLSchema/oval-definitions-5" xmlns:linux-def="http://oval.mitre.org/XMLSchema/oval-definitions-5#linux">
  <definitions>
${definition('0001', 'Debian GNU/Linux 12', `<criterion comment="Debian 12 is installed" test_ref="tst:1"/>
      <criterion comment="all architecture" test_ref="tst:2"/><criterion comment="openssl DPKG is earlier than 0" test_ref="tst:3"/>`)}
${definition('0002', '', `<criterion comment="Debian 12 is installed" test_ref="tst:1"/>
      <criterion comment="curl DPKG is earlier than 7.88.1-10+deb12u1" test_ref="tst:5"/>`)}
${definition('0003', 'Debian GNU/Linux 12', `<criterion comment="Debian 12 is installed" test_ref="tst:1"/><criterion comment="libxml2 DPKG" test_ref="tst:99"/>`)}
${definition('0004', 'Debian GNU/Linux 12', `<criterion comment="Debian 12 is installed" test_ref="tst:1"/><criterion comment="bash DPKG" test_ref="tst:4"/>`)}
${definition('0005', 'Slackware 15', `<criterion comment="zlib DPKG is earlier than 1:1.2.13.dfsg-1" test_ref="tst:6"/>`)}
  </definitions>
  <tests>
    <textfilecontent54_test id="tst:1" version="1" check="all" comment="Debian GNU/Linux 12 is installed"><object object_ref="obj:1"/></textfilecontent54_test>
    <linux-def:dpkginfo_test id="tst:4" version="1" check="all" check_existence="at_least_one_exists" comment="bash is installed">
      <linux-def:object object_ref="obj:4"/>
    </linux-def:dpkginfo_test>
  </tests>
  <objects><linux-def:dpkginfo_object id="obj:4" version="1"><linux-def:name>bash</linux-def:name></linux-def:dpkginfo_object></objects>
  <states/>
</oval_definitions>`;
    const feed = await parse(streamInChunks(xml, 64));
    // 0001: nothing is earlier than 0, so openssl is not affected; 0002: the release comes from the criterion;
    // 0004: a dpkginfo test with no state holds whenever bash is installed, so no fix is known.
    expect(feed.affected.map((r) => [r.cveId, r.osGroup, r.packageName, r.fixedVersion, r.advisoryId])).toEqual([
      ['CVE-2023-0002', 'debian-12', 'curl', '7.88.1-10+deb12u1', 'DSA-5400-1'],
      ['CVE-2023-0004', 'debian-12', 'bash', null, 'DSA-5400-1'],
    ]);
    expect(feed.broken).toEqual([
      { id: 'oval:org.debian:def:0005', reason: 'no known platform (Slackware 15)' },
      { id: 'oval:org.debian:def:0003', reason: 'criterion names test tst:99, which the file does not have' },
    ]);
    expect(feed.definitions).toBe(3);
  });
});
