import fs from 'node:fs';
import type { Readable } from 'node:stream';
import { redhatOvalParser } from '../../../src/advisories/parsers/redhat-oval';
import { collectingSink, streamInChunks } from '../../helpers/feed-sink';
import { sharedDataPath } from '../../helpers/shared-data';

// The shared Red Hat files are definitions-only extracts of the real
// streams (empty tests/objects/states), so everything below is read from
// the definitions' metadata and criterion comments.
const RHEL8 = ['advisories', 'redhat', 'rhel-8.oval.xml'];
const RHEL7 = ['advisories', 'redhat', 'rhel-7.oval.xml'];
const V1 = ['advisories', 'redhat', 'com.redhat.rhsa-all.xml'];
const ORACLE = ['advisories', 'oracle', 'mock_ksplice_data'];

async function parse(input: Readable) {
  const collected = collectingSink();
  await redhatOvalParser.parse(input, collected.sink);
  return collected;
}

const parseFile = (parts: string[]) => parse(fs.createReadStream(sharedDataPath(...parts)));
const parseText = (xml: string) => parse(streamInChunks(xml, 4096));

/** A Red Hat style document around synthetic definitions. */
function document(definitions: string): string {
  return `<?xml version="1.0" encoding="utf-8"?>
<oval_definitions xmlns="http://oval.mitre.org/XMLSchema/oval-definitions-5" xmlns:oval="http://oval.mitre.org/XMLSchema/oval-common-5">
<definitions>
${definitions}
</definitions>
<tests/><objects/><states/>
</oval_definitions>
`;
}

/** "name version" for each row, sorted, to compare package sets at a glance. */
function packages(rows: { packageName: string; fixedVersion: string | null; moduleStream?: string | null }[]): string[] {
  return [...new Set(rows.map((r) => `${r.packageName} ${r.fixedVersion ?? '(no fix)'}${r.moduleStream ? ` [${r.moduleStream}]` : ''}`))].sort();
}

describe('Red Hat OVAL v2 (rhel-8.oval.xml)', () => {
  it('when RHSA-2023:5184 is read, then firefox earlier than 0:102.15.1-1.el8_8 affects RHEL 8 for both of its CVEs', async () => {
    const feed = await parseFile(RHEL8);
    // The definition's criteria: firefox is earlier than 0:102.15.1-1.el8_8, AND (RHEL 8 OR CoreOS 4) is installed;
    // its advisory lists CVE-2023-4863 (impact important) and CVE-2023-5129 (no impact: the advisory's Important).
    expect(feed.affected.filter((r) => r.advisoryId === 'RHSA-2023:5184')).toEqual([
      {
        osGroup: 'rhel-8', packageName: 'firefox', nameKind: 'binary', fixedVersion: '0:102.15.1-1.el8_8',
        cveId: 'CVE-2023-4863', advisoryId: 'RHSA-2023:5184', severity: 'high', moduleStream: null,
      },
      {
        osGroup: 'rhel-8', packageName: 'firefox', nameKind: 'binary', fixedVersion: '0:102.15.1-1.el8_8',
        cveId: 'CVE-2023-5129', advisoryId: 'RHSA-2023:5184', severity: 'high', moduleStream: null,
      },
    ]);
    expect(feed.definitions).toBe(10); // the file holds ten definitions
    expect(feed.broken).toEqual([]);
  });

  it('when a package has a signature criterion beside it, then only the "earlier than" criterion makes a row', async () => {
    const feed = await parseFile(RHEL8);
    // Every package criterion in the file is followed by "<name> is signed with Red Hat redhatrelease2 key";
    // the release criteria ("Red Hat Enterprise Linux 8 is installed", "Red Hat CoreOS 4 is installed",
    // "Red Hat Enterprise Linux must be installed") name no package either.
    expect(packages(feed.affected.filter((r) => r.advisoryId === 'RHSA-2023:5309'))).toEqual([
      'libwebp 0:1.0.0-8.el8_8.1',
      'libwebp-devel 0:1.0.0-8.el8_8.1',
    ]);
    expect(feed.affected.some((r) => /signed|Red|CoreOS/.test(r.packageName))).toBe(false);
    // 71 "is earlier than" criteria in the file, each under one RHEL 8 release and once per CVE of its definition:
    // 1×2 + 16×4 + 1×2 + 1×5 + 16×4 + 2×2 + 1×5 + 13×1 + 2×2 + 18×5 = 253.
    expect(feed.affected).toHaveLength(253);
    expect(new Set(feed.affected.map((r) => r.osGroup))).toEqual(new Set(['rhel-8']));
  });

  it('when packages sit under "Module postgresql:13 is enabled", then their rows carry that stream and other definitions none', async () => {
    const feed = await parseFile(RHEL8);
    const pg13 = feed.affected.filter((r) => r.advisoryId === 'RHSA-2023:7581');
    // 16 packages (pg_repack … postgresql-upgrade-devel) × 4 CVEs, all in the postgresql:13 branch.
    expect(pg13).toHaveLength(64);
    expect(new Set(pg13.map((r) => r.moduleStream))).toEqual(new Set(['postgresql:13']));
    expect(pg13).toContainEqual(expect.objectContaining({
      packageName: 'postgresql', fixedVersion: '0:13.13-1.module+el8.9.0+20664+9c30cf7f', cveId: 'CVE-2023-5869', severity: 'high',
    }));
    // RHSA-2023:7714 is the postgresql:12 stream: same package names, other versions.
    expect(feed.affected.filter((r) => r.advisoryId === 'RHSA-2023:7714' && r.packageName === 'postgresql')[0]).toMatchObject({
      fixedVersion: '0:12.17-1.module+el8.9.0+20789+410e66ce', moduleStream: 'postgresql:12',
    });
    expect(new Set(feed.affected.filter((r) => r.advisoryId === 'RHSA-2023:7790').map((r) => r.moduleStream))).toEqual(new Set(['postgresql:10']));
    expect(feed.affected.filter((r) => r.advisoryId === 'RHSA-2023:7884' && r.packageName === 'postgres-decoderbufs')[0]).toMatchObject({
      fixedVersion: '0:1.9.7-1.Final.module+el8.9.0+19797+c4ce5969', moduleStream: 'postgresql:15',
    });
    expect(feed.affected.filter((r) => r.advisoryId === 'RHSA-2023:5537').every((r) => r.moduleStream === null)).toBe(true);
  });

  it('when one definition has two module-stream branches, then each branch keeps its own packages and versions', async () => {
    // Synthetic, shaped like the postgresql definitions of rhel-8 (which have one stream each):
    // (RHEL 8 OR CoreOS) AND (stream A branch OR stream B branch OR a plain package after both).
    const branch = (stream: string, rows: [string, string][]) => `
    <criteria operator="AND">
     <criterion comment="Module ${stream} is enabled" test_ref="oval:com.redhat.rhsa:tst:1"/>
     <criteria operator="OR">${rows.map(([name, evr]) => `
      <criteria operator="AND">
       <criterion comment="${name} is earlier than ${evr}" test_ref="oval:com.redhat.rhsa:tst:2"/>
       <criterion comment="${name} is signed with Red Hat redhatrelease2 key" test_ref="oval:com.redhat.rhsa:tst:3"/>
      </criteria>`).join('')}
     </criteria>
    </criteria>`;
    const feed = await parseText(document(`
<definition class="patch" id="oval:com.redhat.rhsa:def:20249001" version="1">
 <metadata>
  <title>RHSA-2024:9001: nodejs:18 and nodejs:20 security update (Important)</title>
  <affected family="unix"><platform>Red Hat Enterprise Linux 8</platform></affected>
  <reference ref_id="RHSA-2024:9001" source="RHSA"/>
  <reference ref_id="CVE-2024-22019" source="CVE"/>
  <description>Node.js is a software development platform.</description>
  <advisory from="secalert@redhat.com">
   <severity>Important</severity>
   <issued date="2024-03-01"/>
   <cve cvss3="7.5/CVSS:3.1/AV:N/AC:L/PR:N/UI:N/S:U/C:N/I:N/A:H" impact="important" public="20240214">CVE-2024-22019</cve>
  </advisory>
 </metadata>
 <criteria operator="OR">
  <criterion comment="Red Hat Enterprise Linux must be installed" test_ref="oval:com.redhat.rhba:tst:1"/>
  <criteria operator="AND">
   <criteria operator="OR">
    <criterion comment="Red Hat Enterprise Linux 8 is installed" test_ref="oval:com.redhat.rhba:tst:2"/>
    <criterion comment="Red Hat CoreOS 4 is installed" test_ref="oval:com.redhat.rhba:tst:3"/>
   </criteria>
   <criteria operator="OR">${branch('nodejs:18', [
     ['nodejs', '1:18.19.1-1.module+el8.9.0+21388+e7ea5f8e'],
     ['npm', '1:10.2.4-1.18.19.1.1.module+el8.9.0+21388+e7ea5f8e'],
   ])}${branch('nodejs:20', [
     ['nodejs', '1:20.11.1-1.module+el8.9.0+21380+12032667'],
     ['nodejs-docs', '1:20.11.1-1.module+el8.9.0+21380+12032667'],
   ])}
    <criteria operator="AND">
     <criterion comment="libuv is earlier than 1:1.41.1-2.el8_9" test_ref="oval:com.redhat.rhsa:tst:4"/>
     <criterion comment="libuv is signed with Red Hat redhatrelease2 key" test_ref="oval:com.redhat.rhsa:tst:5"/>
    </criteria>
   </criteria>
  </criteria>
 </criteria>
</definition>`));
    expect(packages(feed.affected)).toEqual([
      'libuv 1:1.41.1-2.el8_9',
      'nodejs 1:18.19.1-1.module+el8.9.0+21388+e7ea5f8e [nodejs:18]',
      'nodejs 1:20.11.1-1.module+el8.9.0+21380+12032667 [nodejs:20]',
      'nodejs-docs 1:20.11.1-1.module+el8.9.0+21380+12032667 [nodejs:20]',
      'npm 1:10.2.4-1.18.19.1.1.module+el8.9.0+21388+e7ea5f8e [nodejs:18]',
    ]);
    expect(feed.affected.every((r) => r.osGroup === 'rhel-8' && r.cveId === 'CVE-2024-22019')).toBe(true);
  });

  it('when a CVE is read, then it carries the advisory\'s CVSS v3, impact, public date and description', async () => {
    const feed = await parseFile(RHEL8);
    // <cve cvss3="9.6/CVSS:3.1/AV:N/AC:L/PR:N/UI:R/S:C/C:H/I:H/A:H" impact="important" public="20230911">CVE-2023-4863</cve>
    expect(feed.cves[0]).toEqual({
      id: 'CVE-2023-4863', severity: 'high', cvssScore: 9.6, cvssVector: 'CVSS:3.1/AV:N/AC:L/PR:N/UI:R/S:C/C:H/I:H/A:H',
      publishedAt: new Date('2023-09-11T00:00:00Z'), description: expect.stringMatching(/^Mozilla Firefox is an open-source web browser/),
    });
    // CVE-2023-5870 is rated low by its own impact although RHSA-2023:7581 as a whole is Important.
    expect(feed.cves.find((c) => c.id === 'CVE-2023-5870')).toMatchObject({ severity: 'low', cvssScore: 2.2 });
    expect(feed.affected.find((r) => r.cveId === 'CVE-2023-5870')?.severity).toBe('low');
  });
});

describe('Red Hat OVAL, other releases and vendors', () => {
  it('when rhel-7.oval.xml is read, then its release criterion puts every row on RHEL 7 and non-modular postgresql has no stream', async () => {
    const feed = await parseFile(RHEL7);
    expect(feed.definitions).toBe(7);
    expect(new Set(feed.affected.map((r) => r.osGroup))).toEqual(new Set(['rhel-7']));
    // RHSA-2023:5477: "Red Hat Enterprise Linux 7 is installed" AND "firefox is earlier than 0:115.3.1-1.el7_9", five CVEs.
    expect(packages(feed.affected.filter((r) => r.advisoryId === 'RHSA-2023:5477'))).toEqual(['firefox 0:115.3.1-1.el7_9']);
    expect(feed.affected.filter((r) => r.advisoryId === 'RHSA-2023:5477')).toHaveLength(5);
    // RHSA-2023:7783: twelve postgresql packages at 0:9.2.24-9.el7_9, one CVE (CVE-2023-5869), no module.
    const pg = feed.affected.filter((r) => r.advisoryId === 'RHSA-2023:7783');
    expect(pg).toHaveLength(12);
    expect(pg.every((r) => r.fixedVersion === '0:9.2.24-9.el7_9' && r.moduleStream === null && r.cveId === 'CVE-2023-5869')).toBe(true);
  });

  it('when the v1 rhsa-all file is read, then each definition lands on its own release (RHEL 4, 6 and 8)', async () => {
    const feed = await parseFile(V1);
    expect(feed.definitions).toBe(4);
    // RHSA-2006:0016: RHEL 4, initscripts earlier than 0:7.93.24.EL-1.1, CVE-2005-3629 (impact moderate, no CVSS v3).
    expect(feed.affected.filter((r) => r.advisoryId === 'RHSA-2006:0016')).toEqual([{
      osGroup: 'rhel-4', packageName: 'initscripts', nameKind: 'binary', fixedVersion: '0:7.93.24.EL-1.1',
      cveId: 'CVE-2005-3629', advisoryId: 'RHSA-2006:0016', severity: 'medium', moduleStream: null,
    }]);
    expect(feed.cves.find((c) => c.id === 'CVE-2005-3629')).toMatchObject({ cvssScore: null, cvssVector: null, publishedAt: new Date('2005-03-07T00:00:00Z') });
    // RHSA-2017:1109: RHEL 6, twelve java-1.8.0-openjdk packages at 1:1.8.0.131-0.b11.el6_9, six CVEs.
    const java = feed.affected.filter((r) => r.advisoryId === 'RHSA-2017:1109');
    expect(java).toHaveLength(72);
    expect(java[0]).toMatchObject({ osGroup: 'rhel-6', packageName: 'java-1.8.0-openjdk', fixedVersion: '1:1.8.0.131-0.b11.el6_9' });
    expect(new Set(feed.affected.map((r) => r.osGroup))).toEqual(new Set(['rhel-4', 'rhel-6', 'rhel-8']));
  });

  it('when a definition covers two releases in two branches, then each release gets only its own branch\'s version', async () => {
    // Synthetic, in the shape of v1 definitions for two releases: (RHEL 5 AND …el5) OR (RHEL 6 AND …el6).
    const feed = await parseText(document(`
<definition class="patch" id="oval:com.redhat.rhsa:def:20110169" version="1">
 <metadata>
  <title>RHSA-2011:0169: java-1.5.0-ibm security update (Critical)</title>
  <affected family="unix"><platform>Red Hat Enterprise Linux 5</platform><platform>Red Hat Enterprise Linux 6</platform></affected>
  <reference ref_id="RHSA-2011:0169" source="RHSA"/>
  <reference ref_id="CVE-2010-3553" source="CVE"/>
  <advisory><severity>Critical</severity><issued date="2011-01-20"/></advisory>
 </metadata>
 <criteria operator="OR">
  <criteria operator="AND">
   <criterion comment="Red Hat Enterprise Linux 5 is installed" test_ref="t5"/>
   <criterion comment="java-1.5.0-ibm is earlier than 1:1.5.0.12.13-1jpp.3.el5" test_ref="t51"/>
  </criteria>
  <criteria operator="AND">
   <criterion comment="Red Hat Enterprise Linux 6 is installed" test_ref="t6"/>
   <criterion comment="java-1.5.0-ibm is earlier than 1:1.5.0.12.13-1jpp.3.el6" test_ref="t61"/>
  </criteria>
 </criteria>
</definition>
<definition class="patch" id="oval:org.mitre.oval:def:21309" version="1">
 <metadata>
  <title>RHSA-2012:0729: java-1.6.0-openjdk security update (Critical)</title>
  <affected family="unix"><platform>Red Hat Enterprise Linux 6</platform><platform>CentOS Linux 6</platform></affected>
  <reference ref_id="RHSA-2012:0729" source="RHSA"/>
  <reference ref_id="CVE-2012-1711" source="CVE"/>
 </metadata>
 <criteria operator="AND">
  <criteria operator="OR">
   <criterion comment="Red Hat Enterprise Linux 6 is installed" test_ref="r6"/>
   <criterion comment="CentOS Linux 6 is installed" test_ref="c6"/>
  </criteria>
  <criterion comment="java-1.6.0-openjdk is earlier than 1:1.6.0.0-1.48.1.11.3.el6_2" test_ref="j"/>
 </criteria>
</definition>`));
    const where = (group: string) => packages(feed.affected.filter((r) => r.osGroup === group));
    expect(where('rhel-5')).toEqual(['java-1.5.0-ibm 1:1.5.0.12.13-1jpp.3.el5']);
    expect(where('rhel-6')).toEqual(['java-1.5.0-ibm 1:1.5.0.12.13-1jpp.3.el6', 'java-1.6.0-openjdk 1:1.6.0.0-1.48.1.11.3.el6_2']);
    expect(where('centos-6')).toEqual(['java-1.6.0-openjdk 1:1.6.0.0-1.48.1.11.3.el6_2']);
    expect(feed.affected.find((r) => r.cveId === 'CVE-2010-3553')?.severity).toBe('critical');
  });

  it('when the Oracle ksplice file is read, then its CVEs are known but the ksplice-only builds make no rows', async () => {
    const feed = await parseFile(ORACLE);
    // ELSA-2021-9151 (Oracle Linux 8, IMPORTANT, issued 2021-04-01): every "openssl… is earlier than
    // 2:1.1.1g-15.ksplice1.el8_3" sits in an AND with "… is ksplice-based". An ordinary OL8 openssl (epoch 1)
    // compares below epoch 2, so such rows would flag every host that does not run ksplice user-space builds.
    expect(feed.definitions).toBe(1);
    expect(feed.broken).toEqual([]);
    expect(feed.affected).toEqual([]);
    expect(feed.cves.map((c) => [c.id, c.severity, c.publishedAt?.toISOString()])).toEqual([
      ['CVE-2021-3449', 'high', '2021-04-01T00:00:00.000Z'],
      ['CVE-2021-3450', 'high', '2021-04-01T00:00:00.000Z'],
    ]);
  });

  it('when an ordinary ELSA is read, then its rows are on the Oracle Linux group with the ELSA id', async () => {
    // Synthetic, in the shape of Oracle's com.oracle.elsa-*.xml (reference source "elsa", upper-case severity).
    const feed = await parseText(document(`
<definition id="oval:com.oracle.elsa:def:20190109" version="501" class="patch">
<metadata>
<title>
ELSA-2019-0109:  perl security update (IMPORTANT)
</title>
<affected family="unix"><platform>Oracle Linux 7</platform></affected>
<reference source="elsa" ref_id="ELSA-2019-0109" ref_url="https://linux.oracle.com/errata/ELSA-2019-0109.html"/>
<reference source="CVE" ref_id="CVE-2018-18311" ref_url="https://linux.oracle.com/cve/CVE-2018-18311.html"/>
<description>[4:5.16.3-294] - Fix CVE-2018-18311 Integer overflow leading to buffer overflow</description>
<advisory><severity>IMPORTANT</severity><issued date="2019-01-21"/>
<cve cvss3="9.8/CVSS:3.0/AV:N/AC:L/PR:N/UI:N/S:U/C:H/I:H/A:H" href="https://linux.oracle.com/cve/CVE-2018-18311.html" public="20181207">CVE-2018-18311</cve>
</advisory>
</metadata>
<criteria operator="AND">
<criterion test_ref="oval:com.oracle.elsa:tst:20190109001" comment="Oracle Linux 7 is installed"/>
<criteria operator="OR">
<criteria operator="AND">
<criterion test_ref="oval:com.oracle.elsa:tst:20190109002" comment="perl is earlier than 4:5.16.3-294.el7_6"/>
<criterion test_ref="oval:com.oracle.elsa:tst:20190109003" comment="perl is signed with the Oracle Linux 7 key"/>
</criteria>
</criteria>
</criteria>
</definition>`));
    expect(feed.affected).toEqual([{
      osGroup: 'oracle-7', packageName: 'perl', nameKind: 'binary', fixedVersion: '4:5.16.3-294.el7_6',
      cveId: 'CVE-2018-18311', advisoryId: 'ELSA-2019-0109', severity: 'high', moduleStream: null,
    }]);
    expect(feed.cves[0]).toMatchObject({ cvssScore: 9.8, publishedAt: new Date('2018-12-07T00:00:00Z') });
  });
});

describe('Red Hat OVAL v2, -including-unpatched streams', () => {
  // Synthetic, modelled on rhel-9-including-unpatched definitions (oval:com.redhat.cve:def:…, class
  // "vulnerability"): the advisory's <affected><resolution state="…"><component> lists the packages and
  // the criteria say "<name> is installed" with no version, each beside its signature criterion.
  const unpatched = (id: string, cve: string, resolutions: [string, string[]][], installed: string[]) => `
<definition class="vulnerability" id="oval:com.redhat.cve:def:${id}" version="1">
 <metadata>
  <title>${cve} kernel: net/sched: taprio: proper TCA_TAPRIO_TC_ENTRY_INDEX check</title>
  <affected family="unix"><platform>Red Hat Enterprise Linux 9</platform></affected>
  <reference ref_id="${cve}" ref_url="https://access.redhat.com/security/cve/${cve}" source="CVE"/>
  <description>DOCUMENTATION: The CVE program describes this issue as: …</description>
  <advisory from="secalert@redhat.com">
   <severity>Low</severity>
   <updated date="2025-03-27"/>
   <cve cvss3="5.5/CVSS:3.1/AV:L/AC:L/PR:L/UI:N/S:U/C:N/I:N/A:H" href="https://access.redhat.com/security/cve/${cve}" impact="low" public="20240410">${cve}</cve>
   <affected>${resolutions.map(([state, components]) => `
    <resolution state="${state}">${components.map((c) => `<component>${c}</component>`).join('')}</resolution>`).join('')}
   </affected>
  </advisory>
 </metadata>
 <criteria operator="OR">
  <criterion comment="Red Hat Enterprise Linux must be installed" test_ref="oval:com.redhat.cve:tst:1"/>
  <criteria operator="AND">
   <criteria operator="OR">
    <criterion comment="Red Hat Enterprise Linux 9 is installed" test_ref="oval:com.redhat.cve:tst:2"/>
    <criterion comment="Red Hat CoreOS 4 is installed" test_ref="oval:com.redhat.cve:tst:3"/>
   </criteria>
   <criteria operator="OR">${installed.map((name) => `
    <criteria operator="AND">
     <criterion comment="${name} is installed" test_ref="oval:com.redhat.cve:tst:4"/>
     <criterion comment="${name} is signed with Red Hat redhatrelease2 key" test_ref="oval:com.redhat.cve:tst:5"/>
    </criteria>`).join('')}
   </criteria>
  </criteria>
 </criteria>
</definition>`;

  it('when a CVE is "Affected" with no fix, then its installed packages get rows with no fixed version and no advisory', async () => {
    const feed = await parseText(document(unpatched('202426815', 'CVE-2024-26815', [['Affected', ['kernel-rt', 'kernel-rt-core']]], ['kernel-rt', 'kernel-rt-core'])));
    expect(feed.affected).toEqual(['kernel-rt', 'kernel-rt-core'].map((packageName) => ({
      osGroup: 'rhel-9', packageName, nameKind: 'binary', fixedVersion: null,
      cveId: 'CVE-2024-26815', advisoryId: null, severity: 'low', moduleStream: null,
    })));
    expect(feed.cves).toEqual([{
      id: 'CVE-2024-26815', severity: 'low', cvssScore: 5.5, cvssVector: 'CVSS:3.1/AV:L/AC:L/PR:L/UI:N/S:U/C:N/I:N/A:H',
      publishedAt: new Date('2024-04-10T00:00:00Z'), description: 'DOCUMENTATION: The CVE program describes this issue as: …',
    }]);
  });

  it('when components are "Will not fix", "Fix deferred" or "Not affected", then only the affected ones get rows', async () => {
    const feed = await parseText(document([
      unpatched('202345803', 'CVE-2023-45803', [['Will not fix', ['python3-urllib3']], ['Not affected', ['python-urllib3-doc']]], ['python3-urllib3', 'python-urllib3-doc']),
      unpatched('202400001', 'CVE-2024-0001', [['Fix deferred', ['libtiff']], ['Out of support scope', ['libtiff-tools']]], ['libtiff', 'libtiff-tools']),
      unpatched('202400002', 'CVE-2024-0002', [['Not affected', ['openssl', 'openssl-libs']]], ['openssl', 'openssl-libs']),
    ].join('\n')));
    expect(packages(feed.affected)).toEqual(['libtiff (no fix)', 'libtiff-tools (no fix)', 'python3-urllib3 (no fix)']);
    expect(feed.definitions).toBe(3); // the "Not affected" definition is read, it just affects nothing
  });
});

describe('Red Hat OVAL, broken input', () => {
  const rhel8 = () => fs.readFileSync(sharedDataPath(...RHEL8), 'utf8');
  /** The real file with `inserted` after its fifth definition (which ends on line 460). */
  function withInsertion(inserted: string): string {
    const lines = rhel8().split('\n');
    return [...lines.slice(0, 460), inserted, ...lines.slice(460)].join('\n');
  }

  it('when broken definitions sit in the middle of the feed, then they are counted and the ones after them are still read', async () => {
    const feed = await parseText(withInsertion(`
<definition class="patch" version="1">
 <metadata><title>RHSA-2099:0001: no id</title><affected family="unix"><platform>Red Hat Enterprise Linux 8</platform></affected></metadata>
 <criteria operator="AND"><criterion comment="bash is earlier than 0:4.4.20-5.el8" test_ref="t"/></criteria>
</definition>
<definition class="patch" id="oval:test:def:entity" version="1">
 <metadata><title>RHSA-2099:0002: an undeclared entity</title><description>Fix for &bogus; handling</description>
  <affected family="unix"><platform>Red Hat Enterprise Linux 8</platform></affected></metadata>
 <criteria operator="AND"><criterion comment="zsh is earlier than 0:5.5.1-10.el8" test_ref="t"/></criteria>
</definition>
<definition class="patch" id="oval:test:def:noplatform" version="1">
 <metadata><title>RHSA-2099:0003: no platform</title><reference ref_id="CVE-2099-0003" source="CVE"/></metadata>
 <criteria operator="AND"><criterion comment="curl is earlier than 0:7.61.1-30.el8" test_ref="t"/></criteria>
</definition>`));
    expect(feed.broken).toEqual([
      { id: 'definition 6', reason: 'missing id' },
      { id: 'oval:test:def:entity', reason: expect.stringMatching(/^malformed XML at line 467: undefined entity/) },
      { id: 'oval:test:def:noplatform', reason: 'no known platform (none given)' },
    ]);
    expect(feed.definitions).toBe(10);
    const clean = await parseFile(RHEL8);
    expect(feed.affected).toEqual(clean.affected); // RHSA-2023:5433 … RHSA-2023:7884, after the broken ones, all there
  });

  it('when the XML breaks outside a definition, then the parse rejects naming the line', async () => {
    await expect(parseText(withInsertion('</oops>'))).rejects.toThrow(/^malformed XML at line 461, column \d+: unexpected close tag/);
  });

  it('when the file is cut short, then the parse rejects instead of keeping a silently partial feed', async () => {
    await expect(parseText(rhel8().slice(0, 30000))).rejects.toThrow(/^malformed XML at line \d+, column \d+: unclosed tag/);
    await expect(parseText('')).rejects.toThrow(/malformed XML at line 1/);
  });
});

describe('Red Hat OVAL, streaming', () => {
  it('when the feed arrives in 1 KB chunks, then the result is the same and the sink is flushed after each chunk', async () => {
    const bytes = fs.readFileSync(sharedDataPath(...RHEL8));
    const whole = await parseFile(RHEL8);
    const chunked = collectingSink();
    const flush = jest.spyOn(chunked.sink, 'flush');
    await redhatOvalParser.parse(streamInChunks(bytes, 1024), chunked.sink);
    expect(chunked.affected).toEqual(whole.affected);
    expect(chunked.cves).toEqual(whole.cves);
    expect(chunked.definitions).toBe(10);
    expect(flush.mock.calls.length).toBeGreaterThanOrEqual(Math.ceil(bytes.length / 1024));
  });

  it('when a chunk boundary falls inside a multi-byte character, then the text survives intact', async () => {
    const description = 'Ångström — naïve café ✓';
    const xml = document(`<definition class="patch" id="oval:com.redhat.rhsa:def:1" version="1"><metadata>
      <title>RHSA-2099:0004: utf-8</title><affected family="unix"><platform>Red Hat Enterprise Linux 9</platform></affected>
      <reference ref_id="CVE-2099-0004" source="CVE"/><description>${description}</description></metadata>
      <criteria operator="AND"><criterion comment="glibc is earlier than 0:2.34-100.el9" test_ref="t"/></criteria></definition>`);
    const feed = collectingSink();
    await redhatOvalParser.parse(streamInChunks(xml, 5), feed.sink);
    expect(feed.cves[0].description).toBe(description);
    expect(feed.affected[0]).toMatchObject({ osGroup: 'rhel-9', packageName: 'glibc', advisoryId: 'RHSA-2099:0004' });
  });
});
