import fs from 'node:fs';
import type { Readable } from 'node:stream';
import { ubuntuOvalParser } from '../../../src/advisories/parsers/ubuntu-oval';
import { collectingSink, streamInChunks } from '../../helpers/feed-sink';
import { sharedDataPath } from '../../helpers/shared-data';

const FEED = ['advisories', 'ubuntu', 'ubuntu_oval_data.xml'];

async function parse(input: Readable) {
  const collected = collectingSink();
  await ubuntuOvalParser.parse(input, collected.sink);
  return collected;
}

/** A Canonical CVE OVAL style document (prefixed linux-def: elements, variables at the end). */
function document(definitions: string, tests: string, objects: string, states: string, variables: string): string {
  return `<oval_definitions xmlns="http://oval.mitre.org/XMLSchema/oval-definitions-5"
    xmlns:oval="http://oval.mitre.org/XMLSchema/oval-common-5" xmlns:linux-def="http://oval.mitre.org/XMLSchema/oval-definitions-5#linux">
<definitions>${definitions}</definitions>
<tests>${tests}</tests>
<objects>${objects}</objects>
<states>${states}</states>
<variables>${variables}</variables>
</oval_definitions>`;
}

/** A package test, its object and (when `evr` is given) its state, plus the binaries' variable. */
function packageTest(n: number, binaries: string[], evr?: string) {
  return {
    test: `<linux-def:dpkginfo_test id="tst:${n}" version="1" check_existence="at_least_one_exists" check="at least one">
      <linux-def:object object_ref="obj:${n}"/>${evr === undefined ? '' : `<linux-def:state state_ref="ste:${n}"/>`}</linux-def:dpkginfo_test>`,
    object: `<linux-def:dpkginfo_object id="obj:${n}" version="1"><linux-def:name var_ref="var:${n}" var_check="at least one"/></linux-def:dpkginfo_object>`,
    state: evr === undefined ? '' : `<linux-def:dpkginfo_state id="ste:${n}" version="1">
      <linux-def:evr datatype="debian_evr_string" operation="less than">${evr}</linux-def:evr></linux-def:dpkginfo_state>`,
    variable: `<constant_variable id="var:${n}" version="1" datatype="string">${binaries.map((b) => `<value>${b}</value>`).join('')}</constant_variable>`,
  };
}

describe('Ubuntu CVE OVAL', () => {
  it('when the shared feed is read, then each CVE affects the binaries listed in the test\'s variable, up to the state\'s version', async () => {
    const feed = await parse(fs.createReadStream(sharedDataPath(...FEED)));
    // CVE-2016-8703 (bionic, Medium): tst:201686860000000 → obj:201686860000000 → var:201686860000000
    // (libpotrace0, potrace), state "less than 1.14-2". CVE-2016-8860: tst:201688600000000 → obj:2017115650000000
    // → var:2017115650000000 (tor, tor-geoipdb), state "less than 0.2.8.9-1ubuntu1".
    const row = (packageName: string, fixedVersion: string, cveId: string) => ({
      osGroup: 'ubuntu-18.04', packageName, nameKind: 'binary', fixedVersion, cveId, advisoryId: null, severity: 'medium', moduleStream: null,
    });
    expect(feed.affected).toEqual([
      row('libpotrace0', '1.14-2', 'CVE-2016-8703'),
      row('potrace', '1.14-2', 'CVE-2016-8703'),
      row('tor', '0.2.8.9-1ubuntu1', 'CVE-2016-8860'),
      row('tor-geoipdb', '0.2.8.9-1ubuntu1', 'CVE-2016-8860'),
    ]);
    // Both definitions extend oval:com.ubuntu.bionic:def:100 ("Ubuntu 18.04 LTS (bionic) is installed."),
    // which this file does not contain: ignored, not a reason to call them broken.
    expect(feed.definitions).toBe(2);
    expect(feed.broken).toEqual([]);
    expect(feed.cves[0]).toEqual({
      id: 'CVE-2016-8703', severity: 'medium', cvssScore: null, cvssVector: null,
      publishedAt: new Date('2017-01-31T22:59:00Z'), // <public_date>2017-01-31 22:59:00 UTC</public_date>
      description: expect.stringMatching(/^Heap-based buffer overflow in the bm_readbody_bmp function/),
    });
    expect(feed.cves[1]).toMatchObject({ id: 'CVE-2016-8860', publishedAt: new Date('2017-01-04T20:59:00Z') });
  });

  it('when the feed arrives in 50-byte chunks, then the result is the same', async () => {
    const whole = await parse(fs.createReadStream(sharedDataPath(...FEED)));
    const chunked = collectingSink();
    const flush = jest.spyOn(chunked.sink, 'flush');
    const bytes = fs.readFileSync(sharedDataPath(...FEED));
    await ubuntuOvalParser.parse(streamInChunks(bytes, 50), chunked.sink);
    expect(chunked.affected).toEqual(whole.affected);
    expect(chunked.cves).toEqual(whole.cves);
    expect(flush.mock.calls.length).toBeGreaterThanOrEqual(Math.ceil(bytes.length / 50));
  });

  it('when a package is affected without a fix, named by codename only, or rated per CVE, then rows say so', async () => {
    const noState = packageTest(1, ['openssl', 'libssl3']); // "Does the 'openssl' package exist?": no state
    const zero = packageTest(2, ['vim', 'vim-tiny'], '0:0'); // the placeholder for "no version fixes it"
    const fixed = packageTest(3, ['curl', 'libcurl4'], '7.81.0-1ubuntu1.15');
    const definition = (id: string, title: string, platform: string, advisory: string, testRef: string, comment: string) => `
      <definition class="vulnerability" id="${id}" version="1">
        <metadata><title>${title}</title><description>synthetic</description>
          <affected family="unix">${platform}</affected>
          <reference source="CVE" ref_id="${title.split(' ')[0]}" ref_url="https://ubuntu.com/security/${title.split(' ')[0]}"/>
          <advisory>${advisory}</advisory>
        </metadata>
        <criteria>
          <extend_definition definition_ref="oval:com.ubuntu.jammy:def:100" comment="Ubuntu 22.04 LTS (jammy) is installed." applicability_check="true"/>
          <criterion test_ref="${testRef}" comment="${comment}"/>
        </criteria>
      </definition>`;
    const feed = await parse(streamInChunks(document(
      definition('oval:com.ubuntu.jammy:def:202300010000000', 'CVE-2023-0001 on Ubuntu 22.04 LTS (jammy) - low.', '<platform>Ubuntu 22.04 LTS</platform>',
        '<severity>Low</severity><public_date>2023-01-10</public_date>', 'tst:1', 'openssl package in jammy is affected and may need fixing.') +
      // No <platform>: the release comes from the codename in the id.
      definition('oval:com.ubuntu.jammy:def:202300020000000', 'CVE-2023-0002 on Ubuntu 22.04 LTS (jammy) - negligible.', '',
        '<severity>Negligible</severity>', 'tst:2', 'vim package in jammy is affected, but a decision has been made to defer addressing it.') +
      definition('oval:com.ubuntu.jammy:def:202300030000000', 'CVE-2023-0003 on Ubuntu 22.04 LTS (jammy) - medium.', '<platform>Ubuntu 22.04 LTS</platform>',
        `<severity>Medium</severity><cve href="https://ubuntu.com/security/CVE-2023-0003" priority="high" public="20230301"
          cvss_score="7.5" cvss_vector="CVSS:3.1/AV:N/AC:L/PR:N/UI:N/S:U/C:N/I:N/A:H" usns="6000-1,6001-1">CVE-2023-0003</cve>`,
        'tst:3', "curl package in jammy was vulnerable but has been fixed (note: '7.81.0-1ubuntu1.15')."),
      noState.test + zero.test + fixed.test,
      noState.object + zero.object + fixed.object,
      noState.state + zero.state + fixed.state,
      noState.variable + zero.variable + fixed.variable,
    ), 64));
    expect(feed.affected.map((r) => [r.cveId, r.osGroup, r.packageName, r.fixedVersion, r.severity, r.advisoryId])).toEqual([
      ['CVE-2023-0001', 'ubuntu-22.04', 'openssl', null, 'low', null],
      ['CVE-2023-0001', 'ubuntu-22.04', 'libssl3', null, 'low', null],
      ['CVE-2023-0002', 'ubuntu-22.04', 'vim', null, 'low', null],
      ['CVE-2023-0002', 'ubuntu-22.04', 'vim-tiny', null, 'low', null],
      // The CVE's own priority (high) wins over the definition's Medium; the first USN names the advisory.
      ['CVE-2023-0003', 'ubuntu-22.04', 'curl', '7.81.0-1ubuntu1.15', 'high', 'USN-6000-1'],
      ['CVE-2023-0003', 'ubuntu-22.04', 'libcurl4', '7.81.0-1ubuntu1.15', 'high', 'USN-6000-1'],
    ]);
    expect(feed.cves.find((c) => c.id === 'CVE-2023-0003')).toEqual({
      id: 'CVE-2023-0003', severity: 'high', cvssScore: 7.5, cvssVector: 'CVSS:3.1/AV:N/AC:L/PR:N/UI:N/S:U/C:N/I:N/A:H',
      publishedAt: new Date('2023-03-01T00:00:00Z'), description: 'synthetic',
    });
    expect(feed.definitions).toBe(3);
  });

  it('when a definition names a missing test, then only it is broken; when the tests section is malformed, then the parse rejects', async () => {
    const good = packageTest(1, ['zlib1g'], '1:1.2.11.dfsg-2ubuntu9.2');
    const definition = (n: string, testRef: string) => `
      <definition class="vulnerability" id="oval:com.ubuntu.jammy:def:${n}" version="1">
        <metadata><title>CVE-2022-${n} on Ubuntu 22.04 LTS (jammy) - medium.</title><affected family="unix"><platform>Ubuntu 22.04 LTS</platform></affected>
          <reference source="CVE" ref_id="CVE-2022-${n}"/><advisory><severity>Medium</severity></advisory></metadata>
        <criteria><criterion test_ref="${testRef}" comment="zlib package in jammy was vulnerable but has been fixed."/></criteria>
      </definition>`;
    const feed = await parse(streamInChunks(document(definition('37434', 'tst:1') + definition('99999', 'tst:404'), good.test, good.object, good.state, good.variable), 4096));
    expect(feed.affected.map((r) => [r.cveId, r.packageName, r.fixedVersion])).toEqual([['CVE-2022-37434', 'zlib1g', '1:1.2.11.dfsg-2ubuntu9.2']]);
    expect(feed.broken).toEqual([{ id: 'oval:com.ubuntu.jammy:def:99999', reason: 'criterion names test tst:404, which the file does not have' }]);
    expect(feed.definitions).toBe(1);

    const broken = document(definition('37434', 'tst:1'), good.test.replace('</linux-def:dpkginfo_test>', '</linux-def:dpkginfo_tset>'), good.object, good.state, good.variable);
    await expect(parse(streamInChunks(broken, 4096))).rejects.toThrow(/^malformed XML at line \d+, column \d+: unexpected close tag/);
  });
});
