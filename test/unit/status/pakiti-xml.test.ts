import fs from 'node:fs';
import path from 'node:path';
import type { CveException } from '../../../src/repositories/cve-exceptions';
import type { CveTag } from '../../../src/repositories/cve-tags';
import {
  pakitiOsGroupCandidates, readExceptionsXml, readTagsXml, splitPakitiVersion, writeExceptionsXml, writeTagsXml,
} from '../../../src/status/pakiti-xml';

/*
 * test/fixtures/pakiti/cve-tags.xml and cve-exceptions.xml are written as
 * Pakiti 3 writes them. pakiti-server's export endpoints
 * (src/modules/api/exportCvesTags.php and exportCvesExceptions.php) build the
 * document with PHP's SimpleXMLElement, starting from
 * '<?xml version="1.0" encoding="UTF-8"?> <cveTags></cveTags>', add one child
 * per field in the order used there, and print asXML(): the declaration, a
 * newline, then the whole tree on one line; empty values come out as <x/>,
 * `enabled` is the database's "1" or "0", `modifier` is the server's
 * PAKITI_NAME, `timestamp` MySQL's 'YYYY-MM-DD HH:MM:SS'. Package versions are
 * split as its feeder splits pakiti-client lines ("name 0:8.7p1-34.el9 arch"):
 * the version keeps the epoch, the release is what follows the last '-'.
 * Pakiti keeps one exception per package arch, hence the i686 twin.
 */
const fixture = (name: string) => fs.readFileSync(path.join(__dirname, '../../fixtures/pakiti', name), 'utf8');
const pakitiTags = fixture('cve-tags.xml');
const pakitiExceptions = fixture('cve-exceptions.xml');

const tag = (overrides: Partial<CveTag>): CveTag => ({
  id: 1, cveId: 'CVE-2024-6387', tag: 'Critical', reason: 'sshd RCE', enabled: true, createdBy: 'cli:alice',
  createdAt: '2026-01-02 03:04:05.678', updatedAt: '2026-01-02 03:04:05.678', ...overrides,
});

const exception = (overrides: Partial<CveException>): CveException => ({
  id: 1, cveId: 'CVE-2023-38408', packageName: 'openssh-clients', packageVersion: '8.7p1-34.el9', osGroup: 'rhel-9',
  reason: 'rebuilt', createdBy: 'cli:alice', createdAt: '2026-01-02 03:04:05.678', ...overrides,
});

describe("Pakiti's XML export of CVE tags", () => {
  test('when Pakiti 3 wrote the file, then every field is read, entities decoded', () => {
    expect(readTagsXml(pakitiTags)).toEqual([
      {
        where: 'entry 1 (line 2)', cveId: 'CVE-2024-6387', tag: 'EGI-Critical', reason: 'regreSSHion: unauthenticated RCE in sshd & EGI advisory <SVG-2024-6387>',
        enabled: '1', infoUrl: 'https://advisories.egi.eu/Advisory-SVG-CVE-2024-6387', createdBy: 'pakiti.example.org', createdAt: '2024-07-01 14:02:11',
      },
      { where: 'entry 2 (line 2)', cveId: 'CVE-2021-4034', tag: 'High', reason: 'pwnkit', enabled: '0', infoUrl: '', createdBy: 'pakiti.example.org', createdAt: '2022-01-26 08:00:00' },
    ]);
  });

  test('when the file is in the older Pakiti 3 layout (<xml> root, <tag><name>), then it is read too', () => {
    const old = '<?xml version="1.0" encoding="UTF-8"?>\n<xml><cveTag><cveName>CVE-2014-6271</cveName><reason>shellshock</reason>' +
      '<enabled>1</enabled><tag><name>Critical</name><description>EGI critical</description></tag></cveTag></xml>\n';
    expect(readTagsXml(old)).toEqual([
      { where: 'entry 1 (line 2)', cveId: 'CVE-2014-6271', tag: 'Critical', reason: 'shellshock', enabled: '1', infoUrl: null, createdBy: null, createdAt: null },
    ]);
  });

  test('when tags are written, then Pakiti finds its elements, and reading them back gives the same tags', () => {
    const tags = [tag({}), tag({ cveId: 'CVE-2021-4034', tag: 'High', reason: 'a < b & c > d', enabled: false, createdBy: null })];
    const xml = writeTagsXml(tags);
    expect(xml).toMatch(/^<\?xml version="1.0" encoding="UTF-8"\?>\n<cveTags>\n {2}<cveTag>\n {4}<cveName>CVE-2024-6387<\/cveName>\n {4}<tagName>Critical<\/tagName>/);
    expect(xml).toContain('<reason>a &lt; b &amp; c &gt; d</reason>');
    expect(xml).toContain('<enabled>0</enabled>');
    expect(readTagsXml(xml).map(({ where: _w, ...e }) => e)).toEqual([
      { cveId: 'CVE-2024-6387', tag: 'Critical', reason: 'sshd RCE', enabled: '1', infoUrl: '', createdBy: 'cli:alice', createdAt: '2026-01-02 03:04:05.678' },
      { cveId: 'CVE-2021-4034', tag: 'High', reason: 'a < b & c > d', enabled: '0', infoUrl: '', createdBy: '', createdAt: '2026-01-02 03:04:05.678' },
    ]);
  });

  test('when there are no tags, then the export is an empty <cveTags> that reads back as none', () => {
    expect(readTagsXml(writeTagsXml([]))).toEqual([]);
  });
});

describe("Pakiti's XML export of CVE exceptions", () => {
  test('when Pakiti 3 wrote the file, then version and release are joined again and the OS group is kept as named', () => {
    expect(readExceptionsXml(pakitiExceptions).map(({ where: _w, ...e }) => e)).toEqual([
      {
        cveId: 'CVE-2023-38408', packageName: 'openssh-clients', packageVersion: '0:8.7p1-34.el9', osGroup: 'Red Hat Enterprise Linux 9',
        reason: 'rebuilt at the site with the upstream fix', createdBy: 'pakiti.example.org', createdAt: null, packageType: 'rpm',
      },
      {
        cveId: 'CVE-2023-38408', packageName: 'openssh-clients', packageVersion: '0:8.7p1-34.el9', osGroup: 'Red Hat Enterprise Linux 9',
        reason: 'rebuilt at the site with the upstream fix', createdBy: 'pakiti.example.org', createdAt: null, packageType: 'rpm',
      },
      {
        cveId: 'CVE-2023-4911', packageName: 'libc6', packageVersion: '2.36-9+deb12u3', osGroup: 'bookworm',
        reason: 'glibc tunables disabled by a local patch', createdBy: 'pakiti.example.org', createdAt: null, packageType: 'dpkg',
      },
    ]);
  });

  test('when exceptions are written, then rpm versions get the "0:" epoch Pakiti stores, and what Pakiti reads as "every" is left out', () => {
    const xml = writeExceptionsXml(
      [exception({}), exception({ id: 2, packageName: 'bash', packageVersion: null, osGroup: null }), exception({ id: 3, packageVersion: '8.7p1-*', osGroup: 'debian-12' })],
      new Map([['rhel-9', 'rpm'], ['debian-12', 'dpkg']]),
    );
    const blocks = xml.split('<cveException>').slice(1);
    expect(blocks[0]).toContain('<pkg>\n      <name>openssh-clients</name>\n      <version>0:8.7p1</version>\n      <release>34.el9</release>\n      <type>rpm</type>\n    </pkg>');
    expect(blocks[0]).toContain('<osGroup>\n      <name>rhel-9</name>\n    </osGroup>');
    expect(blocks[0]).not.toContain('<arch>');
    expect(blocks[1]).not.toMatch(/<version>|<release>|<type>|<osGroup>/);
    expect(blocks[2]).toContain('<version>8.7p1</version>\n      <release>*</release>\n      <type>dpkg</type>');
    expect(readExceptionsXml(xml).map((e) => [e.packageName, e.packageVersion, e.osGroup])).toEqual([
      ['openssh-clients', '0:8.7p1-34.el9', 'rhel-9'],
      ['bash', null, null],
      ['openssh-clients', '8.7p1-*', 'debian-12'],
    ]);
  });

  test('when a version is split for Pakiti, then it is cut at the last dash and only exact rpm versions get an epoch', () => {
    expect(splitPakitiVersion('1:3.0.7-27.el9', 'rpm')).toEqual({ version: '1:3.0.7', release: '27.el9' });
    expect(splitPakitiVersion('1.2-3-4', 'dpkg')).toEqual({ version: '1.2-3', release: '4' });
    expect(splitPakitiVersion('5.36.0', 'dpkg')).toEqual({ version: '5.36.0', release: '' });
    expect(splitPakitiVersion('*el9_4', 'rpm')).toEqual({ version: '*el9_4', release: '' });
  });
});

describe('bad Pakiti XML', () => {
  test('when the XML is not well-formed, then the error says where', () => {
    expect(() => readTagsXml('<cveTags><cveTag><cveName>CVE-2024-6387</cveTag></cveTags>')).toThrow(/^not well-formed XML: 1:\d+: unexpected close tag/);
  });

  test('when an entry lacks its CVE or tag, then the error gives the line and the element', () => {
    expect(() => readTagsXml('<cveTags>\n<cveTag>\n<tagName>High</tagName></cveTag></cveTags>')).toThrow('entry 1 (line 2): <cveTag> has no <cveName>');
    expect(() => readTagsXml('<cveTags><cveTag><cveName>CVE-2024-6387</cveName></cveTag></cveTags>')).toThrow('entry 1 (line 1): <cveTag> has no <tagName>');
    expect(() => readExceptionsXml('<cveExceptions><cveException><cveName>CVE-2024-6387</cveName></cveException></cveExceptions>')).toThrow('has no <pkg>');
  });

  test('when tags are imported from an exceptions file or the other way round, then it says which command to use', () => {
    expect(() => readTagsXml(pakitiExceptions)).toThrow('this file holds CVE exceptions, not tags (use patchscope exceptions import)');
    expect(() => readExceptionsXml(pakitiTags)).toThrow('this file holds CVE tags, not exceptions (use patchscope tags import)');
    expect(() => readTagsXml('<hosts/>')).toThrow('not a Pakiti CVE tag export: the root element is <hosts>, expected <cveTags>');
  });

  test('when the document has a DOCTYPE, then it is refused (no entity tricks)', () => {
    const xml = '<?xml version="1.0"?>\n<!DOCTYPE cveTags [<!ENTITY x "y">]>\n<cveTags/>';
    expect(() => readTagsXml(xml)).toThrow(/DOCTYPE is not allowed/);
  });
});

describe("Pakiti's default OS group names", () => {
  test('when an OS group is named as in Pakiti, then the Patchscope groups it stands for are offered', () => {
    expect(pakitiOsGroupCandidates('Red Hat Enterprise Linux 9')).toEqual(['rhel-9', 'centos-9', 'rocky-9', 'alma-9']);
    expect(pakitiOsGroupCandidates('bookworm')).toEqual(['debian-12']);
    expect(pakitiOsGroupCandidates('SLES 15')).toEqual([]);
  });
});
