// Tandem's version, read once from package.json so the CLI, the app and the server agree.
import { readFileSync } from 'node:fs';

const packageJson = JSON.parse(readFileSync(new URL('../../package.json', import.meta.url), 'utf8')) as { version: string };

export const TANDEM_VERSION: string = packageJson.version;
