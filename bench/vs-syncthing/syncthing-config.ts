// Syncthing's configuration for the side-by-side benchmark, as pure functions: the options that
// keep an instance on loopback (written into the config.xml that `syncthing generate` made, before
// the first start, so it never listens on a public address or calls a discovery, relay, NAT,
// usage-report, crash-report or upgrade server, not even for a moment), and the device and folder
// objects the benchmark then sends to the REST API (/rest/config/devices, /rest/config/folders).

/** Syncthing's lowest file-watcher delay: fsWatcherDelayS is a whole number of seconds, at least 1. */
export const LOWEST_WATCHER_DELAY_S = 1;

export interface LoopbackOptions {
  guiPort: number;
  apiKey: string;
  /** The port this instance listens on for the other device (tcp://127.0.0.1:PORT). */
  listenPort: number;
}

/**
 * Options set in config.xml, with why. Each element must already be there (`syncthing generate`
 * writes them all); a version that lacks one gets a clear error instead of a silently different
 * setup.
 */
export function loopbackOptionValues(options: LoopbackOptions): Record<string, string> {
  return {
    listenAddress: `tcp://127.0.0.1:${options.listenPort}`, // TCP on loopback only: no QUIC, no 0.0.0.0
    globalAnnounceEnabled: 'false', // no global discovery
    localAnnounceEnabled: 'false', // no LAN broadcast/multicast discovery
    announceLANAddresses: 'false',
    relaysEnabled: 'false', // no relays: the devices talk directly (through our byte counter)
    natEnabled: 'false', // no UPnP / NAT-PMP
    stunKeepaliveStartS: '0', // no STUN
    urAccepted: '-1', // usage reporting declined
    urSeen: '3', // ... and the question already seen
    crashReportingEnabled: 'false',
    autoUpgradeIntervalH: '0', // no upgrade checks
    startBrowser: 'false',
    restartOnWakeup: 'false',
    // Syncthing lowers its own CPU and IO priority by default; Tandem does not, so on a shared
    // machine that default would hand Tandem the CPU. Both run at normal priority.
    setLowPriority: 'false',
  };
}

function escapeXml(text: string): string {
  return text.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;').replace(/"/g, '&quot;');
}

/** Sets one element's text inside `section` (e.g. <options>…</options>) of a Syncthing config.xml. */
function setElement(xml: string, section: string, element: string, value: string): string {
  const sectionPattern = new RegExp(`(<${section}\\b[^>]*>)([\\s\\S]*?)(</${section}>)`);
  const sectionMatch = sectionPattern.exec(xml);
  if (!sectionMatch) throw new Error(`Syncthing's config.xml has no <${section}> section; this Syncthing version is not one the benchmark knows.`);
  const elementPattern = new RegExp(`<${element}>[^<]*</${element}>`);
  const body = sectionMatch[2]!;
  if (!elementPattern.test(body)) throw new Error(`Syncthing's config.xml has no <${element}> in <${section}>; this Syncthing version is not one the benchmark knows.`);
  const newBody = body.replace(elementPattern, `<${element}>${escapeXml(value)}</${element}>`);
  return xml.slice(0, sectionMatch.index) + sectionMatch[1] + newBody + sectionMatch[3] + xml.slice(sectionMatch.index + sectionMatch[0].length);
}

/** The generated config.xml with the GUI/REST on 127.0.0.1:guiPort, our API key, and every option of loopbackOptionValues. */
export function loopbackConfigXml(generatedXml: string, options: LoopbackOptions): string {
  let xml = setElement(generatedXml, 'gui', 'address', `127.0.0.1:${options.guiPort}`);
  xml = setElement(xml, 'gui', 'apikey', options.apiKey);
  for (const [element, value] of Object.entries(loopbackOptionValues(options))) xml = setElement(xml, 'options', element, value);
  return xml;
}

export interface DeviceConfig {
  deviceID: string;
  name: string;
  addresses: string[];
  compression: 'metadata';
  introducer: false;
  autoAcceptFolders: false;
}

/** The other device, reachable only at a static loopback address (our byte-counting proxy in front of it). */
export function peerDevice(deviceID: string, name: string, port: number): DeviceConfig {
  // compression "metadata" is Syncthing's default: indexes compressed, file data not.
  return { deviceID, name, addresses: [`tcp://127.0.0.1:${port}`], compression: 'metadata', introducer: false, autoAcceptFolders: false };
}

export interface FolderConfig {
  id: string;
  label: string;
  path: string;
  type: 'sendreceive';
  devices: { deviceID: string }[];
  fsWatcherEnabled: true;
  fsWatcherDelayS: number;
  rescanIntervalS: number;
  paused: false;
}

/** The shared folder: watched, with the lowest watcher delay Syncthing allows; other settings stay Syncthing's defaults. */
export function sharedFolder(id: string, path: string, deviceIDs: readonly string[]): FolderConfig {
  return {
    id,
    label: id,
    path,
    type: 'sendreceive',
    devices: deviceIDs.map((deviceID) => ({ deviceID })),
    fsWatcherEnabled: true,
    fsWatcherDelayS: LOWEST_WATCHER_DELAY_S,
    rescanIntervalS: 3600, // Syncthing's default full-rescan interval; the watcher does the work
    paused: false,
  };
}
