// SCENARIOS.md "Applications' save patterns" (#30–34), end to end: real FolderSync engines on
// real folders against a real in-process server. Each test replays an application's real save
// sequence with node:fs (temp files, renames over the original, backups, lock and swap files),
// syncing where the application's files would sit on the disk for a while (a lock file while the
// document is open, a temp file while it is written), and checks what a user would see: the
// document is ONE item on the server whose id never changes, each save is exactly one new version,
// no temp, lock, swap or backup file ever reaches the server (not even its trash), and the other
// device gets the new content with no conflicted copy. (#35, OS clutter, has its own tests.)
import { open, rename, unlink, writeFile } from 'node:fs/promises';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { pathOf } from '../../src-main/engine/tree/tree.ts';
import type { Device } from './sync-harness.ts';
import { SyncWorld, expectInvariants, expectInvariantsIgnoring, settle } from './sync-harness.ts';

let world: SyncWorld;
beforeAll(async () => {
  world = await SyncWorld.start();
});
afterAll(async () => {
  await world.close();
});

/** Every path on the server (the remote tree) and in the server's trash. */
async function serverPaths(device: Device): Promise<string[]> {
  const tree = device.engine.index.loadTree('remote')!;
  const live = [...tree.items.values()].filter((item) => item.id !== tree.rootId).map((item) => pathOf(tree, item.id)!);
  const trashed = (await device.client.trash()).map((entry) => `trash:${entry.original_path}`);
  return [...live, ...trashed].sort();
}

/** Two devices in sync holding `files`; returns them with the document's server id. */
async function pair(files: Record<string, string>): Promise<{ a: Device; b: Device }> {
  const account = await world.account();
  const a = await world.device('Ada', account);
  const b = await world.device('Bob', account);
  for (const [path, content] of Object.entries(files)) await a.write(path, content);
  await settle([a, b]);
  return { a, b };
}

/**
 * What one save must come to: the document kept its server id, it has exactly `versions`
 * versions (one per save), the server holds only `serverFiles` (and nothing in its trash), Bob
 * has the new content, and nobody got a conflicted copy.
 */
async function expectOneUpdate(
  a: Device,
  b: Device,
  doc: { path: string; id: string; content: string; versions: number },
  serverFiles: readonly string[],
): Promise<void> {
  expect(a.serverId(doc.path), 'the same item on the server').toBe(doc.id);
  expect(b.serverId(doc.path), 'the same item on the server').toBe(doc.id);
  const versions = await a.client.versions(doc.id);
  expect(versions, 'one new version per save').toHaveLength(doc.versions);
  expect(versions.find((v) => v.current)?.content_hash).toBe(world.hasher.hash(Buffer.from(doc.content)));
  expect(await serverPaths(a), 'no temp, lock or backup file on the server or in its trash').toEqual([...serverFiles].sort());
  expect(await b.read(doc.path)).toBe(doc.content);
  expect(await a.conflictedCopies()).toEqual([]);
  expect(await b.conflictedCopies()).toEqual([]);
}

/** Writes a file in two halves with a sync of the writer's device in between (a slow save). */
async function writeSlowly(device: Device, path: string, content: string): Promise<void> {
  const handle = await open(device.path(path), 'w');
  try {
    const half = Math.floor(content.length / 2);
    await handle.write(content.slice(0, half));
    await handle.sync();
    await device.sync();
    await handle.write(content.slice(half));
  } finally {
    await handle.close();
  }
}

it('#30 write a temp file, rename it over the original (gedit, Sublime, VS Code, vim): one content update of the same item; the temp file never uploaded', async () => {
  const { a, b } = await pair({ 'notes/todo.txt': 'buy milk' });
  const id = a.serverId('notes/todo.txt')!;

  // gedit (GLib): .goutputstream-XXXXXX, written while a sync runs, then renamed over.
  await writeSlowly(a, 'notes/.goutputstream-K3J9QZ', 'buy milk\nbuy bread');
  await a.rename('notes/.goutputstream-K3J9QZ', 'notes/todo.txt');
  await settle([a, b]);
  await expectOneUpdate(a, b, { path: 'notes/todo.txt', id, content: 'buy milk\nbuy bread', versions: 2 }, ['notes', 'notes/todo.txt']);

  // An editor's own temp name (no built-in rule knows it): written and renamed within one save.
  await a.write('notes/todo.txt.tmp-28c1f0', 'buy milk\nbuy bread\nbuy eggs');
  await a.rename('notes/todo.txt.tmp-28c1f0', 'notes/todo.txt');
  await settle([a, b]);
  await expectOneUpdate(a, b, { path: 'notes/todo.txt', id, content: 'buy milk\nbuy bread\nbuy eggs', versions: 3 }, ['notes', 'notes/todo.txt']);
  await expectInvariants([a, b]);
}, 60_000);

it('#31 macOS safe-save: original renamed to name.sb-…, the new file written, the backup deleted: one update', async () => {
  const { a, b } = await pair({ 'Report.rtf': '{\\rtf1 first draft}' });
  const id = a.serverId('Report.rtf')!;

  // TextEdit / NSDocument: the original steps aside as a safe-save backup, the new bytes take
  // the name; the backup lingers while the app finishes (a sync sees it), then goes.
  const backup = 'Report.rtf.sb-8f2a1c0b-Hq7ZpN';
  await a.rename('Report.rtf', backup);
  await a.write('Report.rtf', '{\\rtf1 second draft, longer}');
  await a.sync();
  await settle([a, b]);
  await expectInvariantsIgnoring([a, b], [backup]);
  await a.remove(backup);
  await settle([a, b]);
  await expectOneUpdate(a, b, { path: 'Report.rtf', id, content: '{\\rtf1 second draft, longer}', versions: 2 }, ['Report.rtf']);
  await expectInvariants([a, b]);
}, 60_000);

it("#32 vim's 4913 probe, name~ backup and .name.swp swap file: all ignored; the write is one update", async () => {
  const { a, b } = await pair({ 'src/main.c': 'int main(void) { return 0; }\n' });
  const id = a.serverId('src/main.c')!;

  // Editing: the swap file sits beside the file for as long as vim has it open.
  await a.write('src/.main.c.swp', 'b0VIM 9.0 swap data');
  await settle([a, b]);
  expect(await b.exists('src/.main.c.swp')).toBe(false);

  // :w — the writability probe, the original renamed to the backup, the new file written.
  await a.write('src/4913', '');
  await a.sync();
  await a.remove('src/4913');
  await a.rename('src/main.c', 'src/main.c~');
  await a.write('src/main.c', 'int main(void) { return 42; }\n');
  await a.write('src/.main.c.swp', 'b0VIM 9.0 swap data, later');
  await settle([a, b]);
  // With 'backup' set the backup stays; it is never synced either.
  await expectInvariantsIgnoring([a, b], ['src/main.c~', 'src/.main.c.swp']);
  expect(await b.exists('src/main.c~')).toBe(false);

  // :q — the swap file goes; the backup is deleted by hand.
  await a.remove('src/.main.c.swp');
  await a.remove('src/main.c~');
  await settle([a, b]);
  await expectOneUpdate(a, b, { path: 'src/main.c', id, content: 'int main(void) { return 42; }\n', versions: 2 }, ['src', 'src/main.c']);
  await expectInvariants([a, b]);
}, 60_000);

it('#33 Microsoft Office: ~$owner file, ~WRD/~WRL temp files, delete + create of the target: lock and temp files ignored, the net effect one update', async () => {
  const { a, b } = await pair({ 'Reports/Q3.docx': 'PK Q3 report v1' });
  const id = a.serverId('Reports/Q3.docx')!;

  // Word opens the document: its owner file appears and stays while it is open.
  await a.write('Reports/~$Q3.docx', 'Ada Lovelace');
  await settle([a, b]);
  expect(await b.exists('Reports/~$Q3.docx')).toBe(false);

  // Save: the new content is written into ~WRD0000.tmp (a big document takes a while: a sync
  // sees it half written), the original becomes ~WRL0001.tmp, the temp takes the name, the
  // ~WRL file is deleted.
  await writeSlowly(a, 'Reports/~WRD0000.tmp', 'PK Q3 report v2 with the figures');
  await a.rename('Reports/Q3.docx', 'Reports/~WRL0001.tmp');
  await a.rename('Reports/~WRD0000.tmp', 'Reports/Q3.docx');
  await a.sync();
  await a.remove('Reports/~WRL0001.tmp');
  await settle([a, b]);
  await expectOneUpdate(a, b, { path: 'Reports/Q3.docx', id, content: 'PK Q3 report v2 with the figures', versions: 2 }, ['Reports', 'Reports/Q3.docx']);
  await expectInvariantsIgnoring([a, b], ['Reports/~$Q3.docx']);

  // Another save as delete + create of the target (the new file is a new inode at the same path).
  await unlink(a.path('Reports/Q3.docx'));
  await writeFile(a.path('Reports/Q3.docx'), 'PK Q3 report v3, final');
  await settle([a, b]);
  await expectOneUpdate(a, b, { path: 'Reports/Q3.docx', id, content: 'PK Q3 report v3, final', versions: 3 }, ['Reports', 'Reports/Q3.docx']);

  // Word closes: the owner file goes; nothing changes on the server.
  await a.remove('Reports/~$Q3.docx');
  await settle([a, b]);
  await expectOneUpdate(a, b, { path: 'Reports/Q3.docx', id, content: 'PK Q3 report v3, final', versions: 3 }, ['Reports', 'Reports/Q3.docx']);
  await expectInvariants([a, b]);
}, 60_000);

it('#34 LibreOffice .~lock.name.odt# lock file: ignored while the document is open and saved', async () => {
  const { a, b } = await pair({ 'budget.ods': 'PK budget v1' });
  const id = a.serverId('budget.ods')!;
  const lock = '.~lock.budget.ods#';

  await a.write(lock, ',Ada Lovelace,ada-laptop,22.11.2026 09:15,file:///home/ada/.config/libreoffice/4;');
  await settle([a, b]);
  expect(await b.exists(lock)).toBe(false);

  // Save: written to a temp file, renamed over the document; the lock file stays meanwhile.
  await a.write('lu84213xk7.tmp', 'PK budget v2 with December');
  await rename(a.path('lu84213xk7.tmp'), a.path('budget.ods'));
  await settle([a, b]);
  await expectInvariantsIgnoring([a, b], [lock]);

  // LibreOffice closes: the lock goes.
  await a.remove(lock);
  await settle([a, b]);
  await expectOneUpdate(a, b, { path: 'budget.ods', id, content: 'PK budget v2 with December', versions: 2 }, ['budget.ods']);
  await expectInvariants([a, b]);
}, 60_000);

it('#30–33 while watching: the watcher sees every step of each save (delete + create too), the original gone for a moment, and each is still one update of the same item', async () => {
  const account = await world.account();
  const watching = { watch: true, pollIntervalMs: 2_000, settleMs: 500 };
  const a = await world.device('Ada', account, watching);
  const b = await world.device('Bob', account, watching);
  const docs = { 'todo.txt': 'todo v1', 'Report.rtf': 'report v1', 'main.c': 'main v1', 'Q3.docx': 'Q3 v1', 'sheet.xlsx': 'sheet v1' };
  for (const [path, content] of Object.entries(docs)) await a.write(path, content);
  await settle([a, b]);
  const ids = Object.fromEntries(Object.keys(docs).map((path) => [path, a.serverId(path)!]));
  await a.engine.start();
  await b.engine.start();

  // Steps 100 ms apart: the watcher reports them in several batches, so scans see the original
  // gone (with a settle time of 1 ms this test fails: the save reads as delete + new file).
  const step = () => new Promise((resolve) => setTimeout(resolve, 100));
  const saves: Array<{ path: string; content: string; steps: Array<() => Promise<unknown>> }> = [
    {
      path: 'todo.txt',
      content: 'todo v2 (gedit)',
      steps: [() => a.write('.goutputstream-Q1W2E3', 'todo v2 (gedit)'), () => a.rename('.goutputstream-Q1W2E3', 'todo.txt')],
    },
    {
      path: 'Report.rtf',
      content: 'report v2 (TextEdit)',
      steps: [() => a.rename('Report.rtf', 'Report.rtf.sb-1f2e3d4c-AbCdEf'), () => a.write('Report.rtf', 'report v2 (TextEdit)'), () => a.remove('Report.rtf.sb-1f2e3d4c-AbCdEf')],
    },
    {
      path: 'main.c',
      content: 'main v2 (vim)',
      steps: [
        () => a.write('.main.c.swp', 'swap'),
        () => a.write('4913', ''),
        () => a.remove('4913'),
        () => a.rename('main.c', 'main.c~'),
        () => a.write('main.c', 'main v2 (vim)'),
        () => a.remove('main.c~'),
        () => a.remove('.main.c.swp'),
      ],
    },
    {
      path: 'Q3.docx',
      content: 'Q3 v2 (Word)',
      steps: [
        () => a.write('~$Q3.docx', 'owner'),
        () => a.write('~WRD0001.tmp', 'Q3 v2 (Word)'),
        () => a.rename('Q3.docx', '~WRL0002.tmp'),
        () => a.rename('~WRD0001.tmp', 'Q3.docx'),
        () => a.remove('~WRL0002.tmp'),
        () => a.remove('~$Q3.docx'),
      ],
    },
    {
      path: 'sheet.xlsx',
      content: 'sheet v2 (delete + create)',
      steps: [() => a.write('~$sheet.xlsx', 'owner'), () => a.remove('sheet.xlsx'), () => a.write('sheet.xlsx', 'sheet v2 (delete + create)'), () => a.remove('~$sheet.xlsx')],
    },
  ];
  for (const save of saves) {
    for (const run of save.steps) {
      await run();
      await step();
    }
    await expect.poll(() => b.read(save.path).catch(() => undefined), { timeout: 15_000, interval: 20 }).toBe(save.content);
  }
  await a.engine.idle();
  await settle([a, b]);
  for (const save of saves) {
    expect(a.serverId(save.path), save.path).toBe(ids[save.path]);
    expect(await a.client.versions(ids[save.path]!), save.path).toHaveLength(2);
  }
  expect(await serverPaths(a)).toEqual(Object.keys(docs).sort());
  expect(await b.conflictedCopies()).toEqual([]);
  await expectInvariants([a, b]);
}, 90_000);
