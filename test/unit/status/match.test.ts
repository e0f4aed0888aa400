import { type AffectedRow, type InstalledPackage, matchPackage } from '../../../src/status/match';

const pkg = (p: Partial<InstalledPackage> & Pick<InstalledPackage, 'name' | 'version'>): InstalledPackage => ({
  id: 1, type: 'rpm', epoch: '', release: '', arch: 'x86_64', sourceName: null, sourceVersion: null, ...p,
});
const row = (r: Partial<AffectedRow> & Pick<AffectedRow, 'packageName' | 'fixedVersion'>): AffectedRow => ({
  sourceId: 1, nameKind: 'binary', cveId: 'CVE-2024-0001', advisoryId: null, severity: 'high', moduleStream: null, ...r,
});

describe('matchPackage', () => {
  it('when the installed rpm is older than the fix, then the CVE affects it with that fix', () => {
    const firefox = pkg({ name: 'firefox', version: '102.15.0', release: '1.el8_8' });
    // RHSA-2023:5184: "firefox is earlier than 0:102.15.1-1.el8_8".
    expect(matchPackage(firefox, [row({ packageName: 'firefox', fixedVersion: '0:102.15.1-1.el8_8' })])).toEqual([
      expect.objectContaining({ cveId: 'CVE-2024-0001', fixedVersion: '0:102.15.1-1.el8_8' }),
    ]);
  });

  it('when versions compare as strings the wrong way (10 vs 9), then exact comparison still says fixed', () => {
    // As strings "102.10" < "102.9"; rpmvercmp compares 10 > 9 numerically.
    const p = pkg({ name: 'firefox', version: '102.10.0', release: '1.el8' });
    expect(matchPackage(p, [row({ packageName: 'firefox', fixedVersion: '102.9.0-1.el8' })])).toEqual([]);
  });

  it('when the feed gives an epoch the package has not got, then the epoch decides (1:1.0 > 0:9.9)', () => {
    const openssl = pkg({ name: 'openssl-libs', epoch: '1', version: '1.1.1k', release: '7.el8_6' });
    expect(matchPackage(openssl, [row({ packageName: 'openssl-libs', fixedVersion: '1:1.1.1k-9.el8_7' })])).toHaveLength(1);
    // Without its epoch the fix would look older than what is installed: epoch 1 beats epoch 0.
    expect(matchPackage(openssl, [row({ packageName: 'openssl-libs', fixedVersion: '0:3.0.1-1.el8' })])).toEqual([]);
  });

  it('when a Debian version has a tilde, then it sorts before the release (1.0~rc1 < 1.0)', () => {
    const p = pkg({ type: 'deb', name: 'libfoo1', version: '1.0~rc1', release: '1', sourceName: 'foo', sourceVersion: '1.0~rc1-1' });
    expect(matchPackage(p, [row({ packageName: 'foo', nameKind: 'source', fixedVersion: '1.0-1' })])).toHaveLength(1);
    const released = pkg({ type: 'deb', name: 'libfoo1', version: '1.0', release: '1', sourceName: 'foo', sourceVersion: '1.0-1' });
    expect(matchPackage(released, [row({ packageName: 'foo', nameKind: 'source', fixedVersion: '1.0~rc2-1' })])).toEqual([]);
  });

  it('when the feed has no fix yet, then the package is affected with a null fixed version', () => {
    const p = pkg({ type: 'deb', name: 'xine-ui', version: '0.99.13', release: '1' });
    expect(matchPackage(p, [row({ packageName: 'xine-ui', nameKind: 'source', fixedVersion: null })])).toEqual([expect.objectContaining({ fixedVersion: null })]);
  });

  it('when a source-keyed row names the source, then the source version is compared, not the binary one', () => {
    // libssl3 is built from openssl; its binary version can differ from the source's (binNMU +b1).
    const libssl = pkg({ type: 'deb', name: 'libssl3', version: '3.0.11', release: '1~deb12u2+b1', sourceName: 'openssl', sourceVersion: '3.0.11-1~deb12u2' });
    expect(matchPackage(libssl, [row({ packageName: 'openssl', nameKind: 'source', fixedVersion: '3.0.11-1~deb12u2' })])).toEqual([]);
    expect(matchPackage(libssl, [row({ packageName: 'openssl', nameKind: 'source', fixedVersion: '3.0.13-1~deb12u1' })])).toHaveLength(1);
  });

  it('when a source name row and a binary row disagree, then the package reaching any fix is not affected', () => {
    const p = pkg({ type: 'deb', name: 'curl', version: '7.88.1', release: '10+deb12u5', sourceName: 'curl', sourceVersion: '7.88.1-10+deb12u5' });
    expect(matchPackage(p, [row({ packageName: 'curl', nameKind: 'source', fixedVersion: null }), row({ packageName: 'curl', nameKind: 'source', fixedVersion: '7.88.1-10+deb12u5' })])).toEqual([]);
  });

  it('when Debian signs its kernel from linux-signed-amd64, then the linux rows apply at the binary version', () => {
    const image = pkg({ type: 'deb', name: 'linux-image-6.1.0-18-amd64', version: '6.1.76', release: '1', sourceName: 'linux-signed-amd64', sourceVersion: '6.1.76+1' });
    expect(matchPackage(image, [row({ packageName: 'linux', nameKind: 'source', fixedVersion: '6.1.90-1' })])).toHaveLength(1);
    expect(matchPackage(image, [row({ packageName: 'linux', nameKind: 'source', fixedVersion: '6.1.76-1' })])).toEqual([]);
  });

  describe('module streams', () => {
    // The shared rhel-8 OVAL has one postgresql definition per stream (10, 12, 13, 15).
    const streams = [
      row({ packageName: 'postgresql', fixedVersion: '0:10.23-2.module+el8.8.0+19001+3c4a5b87', moduleStream: 'postgresql:10' }),
      row({ packageName: 'postgresql', fixedVersion: '0:12.15-1.module+el8.8.0+19116+8c2a0c6c', moduleStream: 'postgresql:12' }),
      row({ packageName: 'postgresql', fixedVersion: '0:13.11-1.module+el8.8.0+19117+d4e9b1ab', moduleStream: 'postgresql:13' }),
      row({ packageName: 'postgresql', fixedVersion: '0:15.3-1.module+el8.8.0+19118+66a1b1d0', moduleStream: 'postgresql:15' }),
    ];

    it('when a postgresql:13 package is older than the 13 fix, then it is affected, fixed in the 13 stream version', () => {
      const p = pkg({ name: 'postgresql', version: '13.10', release: '1.module+el8.7.0+17290+bc5c2bc2' });
      expect(matchPackage(p, streams)).toEqual([expect.objectContaining({ fixedVersion: '0:13.11-1.module+el8.8.0+19117+d4e9b1ab' })]);
    });

    it('when it has the 13 fix, then the 15 stream (newer version) does not make it look affected', () => {
      const p = pkg({ name: 'postgresql', version: '13.11', release: '1.module+el8.8.0+19117+d4e9b1ab' });
      expect(matchPackage(p, streams)).toEqual([]);
    });

    it('when a package is not modular at all, then module-stream rows do not apply', () => {
      const p = pkg({ name: 'postgresql', version: '9.2.24', release: '8.el7_9' });
      expect(matchPackage(p, streams)).toEqual([]);
    });
  });

  it('when one CVE has rows from two advisories, then it is listed once with the highest fix', () => {
    const p = pkg({ name: 'bind', epoch: '32', version: '9.11.4', release: '26.P2.el7' });
    const vulns = matchPackage(p, [row({ packageName: 'bind', fixedVersion: '32:9.11.4-26.P2.el7_9.13' }), row({ packageName: 'bind', fixedVersion: '32:9.11.4-26.P2.el7_9.15' })]);
    expect(vulns).toEqual([expect.objectContaining({ fixedVersion: '32:9.11.4-26.P2.el7_9.15' })]);
  });

  it('when a fixed version is one dpkg rejects, then that row is ignored rather than failing the package', () => {
    const p = pkg({ type: 'deb', name: 'a2ps', version: '4.14', release: '1', sourceName: 'a2ps', sourceVersion: '4.14-1' });
    expect(matchPackage(p, [row({ packageName: 'a2ps', nameKind: 'source', fixedVersion: 'not a version!' })])).toEqual([]);
  });
});
