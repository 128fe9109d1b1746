// A synced folder as the whole-system tests touch it: paths given with `/`, files written with
// their parent folders made, read back as text, and checked for without following links.
import { lstat, mkdir, readFile, writeFile } from 'node:fs/promises';
import { dirname, join } from 'node:path';

export class TestFolder {
  /** The folder on disk. */
  readonly root: string;

  constructor(root: string) {
    this.root = root;
  }

  path(relative: string): string {
    return join(this.root, ...relative.split('/'));
  }

  async write(relative: string, content: string | Uint8Array): Promise<void> {
    await mkdir(dirname(this.path(relative)), { recursive: true });
    await writeFile(this.path(relative), content);
  }

  read(relative: string): Promise<string> {
    return readFile(this.path(relative), 'utf8');
  }

  async exists(relative: string): Promise<boolean> {
    try {
      await lstat(this.path(relative));
      return true;
    } catch {
      return false;
    }
  }
}
