// `tandem ui`: the headless host — the app's UI served on a loopback URL, speaking the same typed
// IPC as the Electron shell, over a WebSocket.
import { parseCommandArgs } from '../args.ts';
import { type CliCommand, EXIT } from '../command.ts';
import { defaultStateDir } from '../../app/paths.ts';
import { TANDEM_VERSION } from '../../app/version.ts';

export const uiCommand: CliCommand = {
  path: ['ui'],
  summary: "serve the app's UI on a loopback URL (headless host)",
  usage: 'tandem ui [--state DIR] [--port P]',
  async run(args, io) {
    const { values } = parseCommandArgs(args, { state: { type: 'string' }, port: { type: 'string' } });
    // Digits only: Number() would read "" as 0 and "0x50" as 80.
    const port = values.port === undefined ? 0 : /^\d{1,5}$/.test(values.port) ? Number(values.port) : NaN;
    if (!Number.isInteger(port) || port < 0 || port > 65535) {
      io.stderr(`tandem ui: --port must be a number from 0 to 65535, not "${values.port}".`);
      return EXIT.usage;
    }
    // Loaded here, not at the top: the app layer and the server it can host cost memory that
    // `tandem sync` and `tandem status` would carry for nothing.
    const [{ App }, { startHost }] = await Promise.all([import('../../app/app.ts'), import('../../host/host.ts')]);
    const app = new App({ version: TANDEM_VERSION, stateDir: values.state ?? defaultStateDir(io.env) });
    const host = await startHost({ app, port });
    io.stdout(`Tandem UI: ${host.url}`);
    io.stdout('Open that address in a browser on this computer. Press Ctrl-C to stop.');
    await io.stopSignal;
    await host.close();
    // The app's engines and any server it hosts stop too, so the process can end.
    await app.close();
    return EXIT.ok;
  },
};
