// The side-by-side benchmark's pure parts, without Syncthing: the config that keeps Syncthing on
// loopback, the settings read from the environment, the results table (ratios, targets, layout),
// the percentile math, the many-files folder check and the cleanup that stops every child.
// The benchmark itself (`npm run bench:vs-syncthing`) needs the syncthing binary and is not a test.
import { spawn } from 'node:child_process';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { percentile } from './sync/workloads.ts';
import { ChildCleanup } from './vs-syncthing/child-cleanup.ts';
import { checkManyFiles, writeIndexFolders } from './vs-syncthing/measure.ts';
import { buildRows, describeTarget, formatMarkdown, formatRatio, formatTable, ratioOf, rowSpecs, targetMet } from './vs-syncthing/results-table.ts';
import { parseOnly, parseScale, sizesFor } from './vs-syncthing/settings.ts';
import { loopbackConfigXml, peerDevice, sharedFolder } from './vs-syncthing/syncthing-config.ts';

// The shape `syncthing generate` (1.19) writes, cut down: the same sections and elements.
const GENERATED = `<configuration version="36">
    <device id="AAAA" name="vm" compression="metadata">
        <address>dynamic</address>
    </device>
    <gui enabled="true" tls="false" debugging="false">
        <address>127.0.0.1:8384</address>
        <apikey>generatedkey</apikey>
        <theme>default</theme>
    </gui>
    <options>
        <listenAddress>default</listenAddress>
        <globalAnnounceServer>default</globalAnnounceServer>
        <globalAnnounceEnabled>true</globalAnnounceEnabled>
        <localAnnounceEnabled>true</localAnnounceEnabled>
        <reconnectionIntervalS>60</reconnectionIntervalS>
        <relaysEnabled>true</relaysEnabled>
        <startBrowser>true</startBrowser>
        <natEnabled>true</natEnabled>
        <urAccepted>0</urAccepted>
        <urSeen>0</urSeen>
        <restartOnWakeup>true</restartOnWakeup>
        <autoUpgradeIntervalH>12</autoUpgradeIntervalH>
        <setLowPriority>true</setLowPriority>
        <crashReportingEnabled>true</crashReportingEnabled>
        <stunKeepaliveStartS>180</stunKeepaliveStartS>
        <announceLANAddresses>true</announceLANAddresses>
    </options>
    <defaults>
        <device id="" compression="metadata">
            <address>dynamic</address>
        </device>
    </defaults>
</configuration>
`;

const element = (xml: string, name: string) => [...xml.matchAll(new RegExp(`<${name}>([^<]*)</${name}>`, 'g'))].map((match) => match[1]);

describe('Syncthing config', () => {
  const xml = loopbackConfigXml(GENERATED, { guiPort: 41234, apiKey: 'key&<1>', listenPort: 42345 });

  it('puts the REST API on loopback with our key and listens only on tcp://127.0.0.1', () => {
    expect(element(xml, 'address')).toEqual(['dynamic', '127.0.0.1:41234', 'dynamic']); // device addresses untouched
    expect(element(xml, 'apikey')).toEqual(['key&amp;&lt;1&gt;']);
    expect(element(xml, 'listenAddress')).toEqual(['tcp://127.0.0.1:42345']);
  });

  it('turns off discovery, relays, NAT, STUN, usage and crash reports, upgrades and low priority', () => {
    for (const name of ['globalAnnounceEnabled', 'localAnnounceEnabled', 'relaysEnabled', 'natEnabled', 'crashReportingEnabled', 'startBrowser', 'setLowPriority', 'announceLANAddresses', 'restartOnWakeup']) {
      expect(element(xml, name), name).toEqual(['false']);
    }
    expect(element(xml, 'urAccepted')).toEqual(['-1']);
    expect(element(xml, 'autoUpgradeIntervalH')).toEqual(['0']);
    expect(element(xml, 'stunKeepaliveStartS')).toEqual(['0']);
    expect(element(xml, 'reconnectionIntervalS')).toEqual(['60']); // what we do not set stays Syncthing's
  });

  it('refuses a config.xml without an option it must set, naming it', () => {
    const older = GENERATED.replace(/<relaysEnabled>true<\/relaysEnabled>/, '');
    expect(() => loopbackConfigXml(older, { guiPort: 1, apiKey: 'k', listenPort: 2 })).toThrow(/no <relaysEnabled> in <options>/);
    expect(() => loopbackConfigXml('<configuration/>', { guiPort: 1, apiKey: 'k', listenPort: 2 })).toThrow(/no <gui> section/);
  });

  it('knows the peer only at a static loopback address and shares a watched folder with the lowest delay', () => {
    expect(peerDevice('BBBB', 'b', 40001)).toMatchObject({ deviceID: 'BBBB', addresses: ['tcp://127.0.0.1:40001'], introducer: false, autoAcceptFolders: false });
    expect(sharedFolder('bench', '/tmp/x/a', ['AAAA', 'BBBB'])).toMatchObject({
      id: 'bench',
      path: '/tmp/x/a',
      type: 'sendreceive',
      devices: [{ deviceID: 'AAAA' }, { deviceID: 'BBBB' }],
      fsWatcherEnabled: true,
      fsWatcherDelayS: 1,
    });
  });
});

describe('settings', () => {
  it('scale 1 is the issue: 20 edits, 10,000 files, 1 GiB, 100 MiB, 100,000 files, 60 s idle', () => {
    expect(sizesFor(1)).toEqual({ edits: 20, smallFiles: 10_000, bigBytes: 2 ** 30, insertBytes: 100 * 2 ** 20, indexFiles: 100_000, idleSeconds: 60 });
  });

  it('small scales keep each workload meaningful', () => {
    expect(sizesFor(0.01)).toEqual({ edits: 3, smallFiles: 100, bigBytes: Math.round(0.01 * 2 ** 30), insertBytes: 4 * 2 ** 20, indexFiles: 1000, idleSeconds: 6 });
    expect(sizesFor(0.1).idleSeconds).toBe(60);
  });

  it('refuses a bad scale or workload name in one sentence', () => {
    expect(parseScale(undefined)).toBe(1);
    expect(parseScale('0.1')).toBe(0.1);
    expect(parseScale('2')).toBe(2); // twice the sizes, as bench:sync allows
    for (const bad of ['0', '-1', 'abc', '', 'Infinity']) expect(() => parseScale(bad), bad).toThrow(/TANDEM_BENCH_SCALE must be a number above 0/);
    expect([...parseOnly('edit, insert')]).toEqual(['edit', 'insert']);
    expect(parseOnly(undefined).size).toBe(6);
    expect(() => parseOnly('edit,files')).toThrow(/"files" is not one/);
    expect(() => parseOnly(',')).toThrow(/TANDEM_BENCH_ONLY/);
  });
});

describe('percentile', () => {
  it('takes the nearest rank of sorted latencies', () => {
    const twenty = Array.from({ length: 20 }, (_, i) => (i + 1) * 10); // 10 … 200
    expect(percentile(twenty, 50)).toBe(100);
    expect(percentile(twenty, 95)).toBe(190);
    expect(percentile(twenty, 100)).toBe(200);
    expect(percentile([7], 95)).toBe(7);
    expect(percentile([], 50)).toBeNaN();
  });
});

describe('results table', () => {
  it('checks each kind of target, absolute or against Syncthing', () => {
    expect(targetMet({ kind: 'below', value: 150 }, 149, 800)).toBe(true);
    expect(targetMet({ kind: 'below', value: 150 }, 150, 800)).toBe(false);
    expect(targetMet({ kind: 'atLeast', value: 250 }, 250, 59)).toBe(true);
    expect(targetMet({ kind: 'atLeast', value: 250 }, 240, 59)).toBe(false);
    expect(targetMet({ kind: 'belowShareOfSyncthing', share: 0.1 }, 9.7, 98)).toBe(true);
    expect(targetMet({ kind: 'belowShareOfSyncthing', share: 0.1 }, 9.9, 98)).toBe(false);
    expect(targetMet({ kind: 'belowShareOfSyncthing', share: 0.1 }, 9.7, undefined)).toBeUndefined();
    expect(targetMet({ kind: 'atMostSyncthing' }, 167, 167)).toBe(true);
    expect(targetMet({ kind: 'atMostSyncthing' }, 168, 167)).toBe(false);
    expect(targetMet(undefined, 1, 2)).toBeUndefined();
    expect(targetMet({ kind: 'below', value: 1 }, undefined, 2)).toBeUndefined();
  });

  it('says whether the ratio is good for Tandem, by which way the figure should go', () => {
    expect(ratioOf(18, 98)).toBeCloseTo(0.1837, 4);
    expect(ratioOf(1, 0)).toBeUndefined();
    expect(formatRatio({ ratio: 0.18, better: 'lower' })).toBe('0.18× (better)');
    expect(formatRatio({ ratio: 0.18, better: 'higher' })).toBe('0.18× (worse)');
    expect(formatRatio({ ratio: 4.2, better: 'higher' })).toBe('4.20× (better)');
    expect(formatRatio({ ratio: 1, better: 'lower' })).toBe('1.00× (same)');
    expect(formatRatio({ ratio: undefined, better: 'lower' })).toBe('–');
  });

  it('describes targets in the units of the row', () => {
    expect(describeTarget({ kind: 'below', value: 150 }, 'ms', 800)).toBe('< 150 ms');
    expect(describeTarget({ kind: 'atLeast', value: 50_000 }, 'files/s', 20_000)).toBe('≥ 50,000 files/s');
    expect(describeTarget({ kind: 'belowShareOfSyncthing', share: 0.1 }, 's', 98)).toBe("< 1/10 of Syncthing's (9.80 s)");
    expect(describeTarget({ kind: 'atMostSyncthing' }, 'KB', 167)).toBe("≤ Syncthing's");
  });

  const sizes = { edits: 20, smallFiles: 10_000, bigBytes: 2 ** 30, insertBytes: 100 * 2 ** 20, indexFiles: 100_000, idleSeconds: 60 };

  it('keeps only the rows some tool measured, with both values, the ratio and the verdict', () => {
    const rows = buildRows(rowSpecs(sizes), { editP50Ms: 120, editP95Ms: 450, smallFilesSeconds: 31.5 }, { editP50Ms: 800, editP95Ms: 810, smallFilesSeconds: 98 });
    expect(rows.map((row) => [row.workload, row.tandem, row.syncthing, row.met])).toEqual([
      ['small edit A→B, p50 of 20', 120, 800, true],
      ['small edit A→B, p95 of 20', 450, 810, false],
      ['10,000 × 4 KiB files A→B', 31.5, 98, false],
    ]);
    expect(rows[0]!.ratio).toBeCloseTo(0.15);
  });

  it('names the workloads with the sizes run', () => {
    const names = rowSpecs(sizes).map((spec) => spec.workload);
    expect(names).toContain('one 1 GiB file A→B, speed');
    expect(names).toContain('1 byte inserted in 100 MiB, on the wire');
    expect(names).toContain('first index of 100,000 files, peak RSS');
    expect(rowSpecs({ ...sizes, bigBytes: Math.round(0.01 * 2 ** 30) }).map((spec) => spec.workload)).toContain('one 10.2 MiB file A→B, speed');
  });

  it('prints an aligned table and the same rows in Markdown, a missing figure as a dash', () => {
    const rows = buildRows(rowSpecs(sizes), { bigFileMBps: 39.2, insertWireBytes: 812.4 }, { bigFileMBps: 59, insertWireBytes: 167 });
    const text = formatTable(rows).split('\n');
    expect(text[0]).toMatch(/^workload +Tandem +Syncthing +Tandem ÷ Syncthing +target \(Tandem's\) +met$/);
    expect(text).toHaveLength(4);
    const column = text[0]!.indexOf('Syncthing');
    expect(text.slice(2).map((line) => line.indexOf(' MB/s') > 0 || line.includes('KB'))).toEqual([true, true]);
    expect(text[2]!.slice(column).startsWith('59.0 MB/s')).toBe(true); // columns line up
    expect(text[2]).toMatch(/39\.2 MB\/s +59\.0 MB\/s +0\.66× \(worse\) +≥ 250 MB\/s +NO$/);
    expect(text[3]).toMatch(/812 KB +167 KB +4\.86× \(worse\) +≤ Syncthing's +NO$/);
    const markdown = formatMarkdown(buildRows(rowSpecs(sizes), { editP50Ms: 120 }, {}));
    expect(markdown.split('\n')[2]).toBe('| small edit A→B, p50 of 20 | 120 ms | – | – | < 150 ms | yes |');
  });
});

describe('many-files folder', () => {
  it('writes both folders alike in folders of 1,000 and notices a missing file or a stray one', async () => {
    const parent = await mkdtemp(join(tmpdir(), 'tandem-vs-test-'));
    const [other, root] = [join(parent, 'a'), join(parent, 'b')];
    try {
      await writeIndexFolders(other, root, 1200);
      expect(await checkManyFiles(other, 1200)).toBeUndefined();
      await writeFile(join(root, '.stfolder'), ''); // a tool's marker does not count
      expect(await checkManyFiles(root, 1200)).toBeUndefined();
      expect(await checkManyFiles(root, 1201)).toBe('1200 of 1201 files');
      await writeFile(join(root, 'd1', 'file-1000.sync-conflict-20261122-090000-AAAA.txt'), 'x');
      expect(await checkManyFiles(root, 1200)).toMatch(/^1200 of 1200 files and 1 others \(file-1000\.sync-conflict/);
    } finally {
      await rm(parent, { recursive: true, force: true });
    }
  });
});

describe('cleanup', () => {
  it('runs the steps newest first, goes on past a failing one, and kills a child nobody stopped', async () => {
    const cleanup = new ChildCleanup();
    const order: string[] = [];
    cleanup.add(async () => void order.push('first'));
    cleanup.add(async () => {
      throw new Error('could not stop');
    });
    const dropped = cleanup.add(async () => void order.push('dropped'));
    cleanup.add(async () => void order.push('last'));
    dropped();
    const child = spawn('sleep', ['30'], { stdio: 'ignore' });
    const exited = new Promise<NodeJS.Signals | null>((resolve) => child.once('exit', (_code, signal) => resolve(signal)));
    cleanup.trackPid(child.pid);
    const stderr = process.stderr.write;
    process.stderr.write = () => true; // the failing step's one line
    try {
      await cleanup.runAll();
    } finally {
      process.stderr.write = stderr;
    }
    expect(order).toEqual(['last', 'first']);
    expect(await exited).toBe('SIGKILL');
  });
});
