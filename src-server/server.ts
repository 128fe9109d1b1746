// Runs the server from the command line of this repository without the CLI wrapper:
//   node src-server/server.ts [DATA_DIR] [PORT]
// It only listens; everything else is in index.ts and app.ts. (`tandem server` is the usual way.)
import { startServer } from './index.ts';

const dataDir = process.argv[2] ?? './tandem-data';
const port = Number(process.argv[3] ?? 8750);
const server = await startServer({ dataDir, port, logLevel: 'info' });
process.stdout.write(`Tandem server: ${server.url} (data in ${dataDir})\n`);
const stop = () => void server.close().then(() => process.exit(0));
process.once('SIGINT', stop);
process.once('SIGTERM', stop);
