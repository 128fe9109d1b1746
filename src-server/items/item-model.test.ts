// Model-based test: random sequences of creates, commits, moves, renames and deletes (with names
// chosen to collide ignoring case) run against the real server and against a plain in-memory
// model of DESIGN.md's rules, trash restore included. Every answer's status must be what the model predicts, and the tree
// a client rebuilds from the changes feed (read incrementally) must equal the model's.
import fc from 'fast-check';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { nameKey } from '../../src-shared/names.ts';
import { TestServer, type TestUser } from '../testing/test-server.ts';

interface ModelItem {
  id: string;
  parent: string | null;
  name: string;
  kind: 'file' | 'folder';
  hash: string | null;
  live: boolean;
  m: number;
  c: number;
  /** Set while in the trash: the item whose delete put it there. */
  trashRoot: string | null;
}

type Op =
  | { op: 'folder'; parent: number; name: string }
  | { op: 'file'; parent: number; name: string; content: number }
  | { op: 'commit'; item: number; content: number }
  | { op: 'move'; item: number; parent: number }
  | { op: 'rename'; item: number; name: string }
  | { op: 'delete'; item: number }
  | { op: 'restore'; item: number };

const NAMES = ['a', 'A', 'b', 'B.txt', 'b.TXT', 'ß', 'SS'];
const name = fc.constantFrom(...NAMES);
const index = fc.nat(40);
const opArb: fc.Arbitrary<Op> = fc.oneof(
  fc.record({ op: fc.constant('folder' as const), parent: index, name }),
  fc.record({ op: fc.constant('file' as const), parent: index, name, content: fc.nat(3) }),
  fc.record({ op: fc.constant('commit' as const), item: index, content: fc.nat(3) }),
  fc.record({ op: fc.constant('move' as const), item: index, parent: index }),
  fc.record({ op: fc.constant('rename' as const), item: index, name }),
  fc.record({ op: fc.constant('delete' as const), item: index }),
  fc.record({ op: fc.constant('restore' as const), item: index }),
);

let server: TestServer;
let users = 0;
beforeAll(async () => {
  server = await TestServer.start();
});
afterAll(async () => server.close());

class Model {
  readonly items = new Map<string, ModelItem>();
  readonly order: string[] = [];
  constructor(rootId: string) {
    this.add({ id: rootId, parent: null, name: '', kind: 'folder', hash: null, live: true, m: 1, c: 0, trashRoot: null });
  }
  add(item: ModelItem) {
    this.items.set(item.id, item);
    this.order.push(item.id);
  }
  pick(i: number): ModelItem {
    return this.items.get(this.order[i % this.order.length]!)!;
  }
  nameTaken(parent: string, name: string, except?: string): boolean {
    return [...this.items.values()].some((i) => i.live && i.parent === parent && i.id !== except && nameKey(i.name) === nameKey(name));
  }
  isInside(id: string, ancestor: string): boolean {
    for (let cur: string | null = id; cur; cur = this.items.get(cur)!.parent) if (cur === ancestor) return true;
    return false;
  }
  /** The server's rename on a clash when restoring: "name (restored).ext", "name (restored 2).ext", … */
  freeName(parent: string, name: string): string {
    if (!this.nameTaken(parent, name)) return name;
    const dot = name.lastIndexOf('.');
    const [stem, ext] = dot > 0 ? [name.slice(0, dot), name.slice(dot)] : [name, ''];
    for (let n = 1; ; n++) {
      const candidate = `${stem} (restored${n === 1 ? '' : ` ${n}`})${ext}`;
      if (!this.nameTaken(parent, candidate)) return candidate;
    }
  }
  /** Status the server should answer for putting something named `name` into `parent`. */
  placeStatus(parent: ModelItem, name: string, except?: string): number {
    if (!parent.live) return 404;
    if (parent.kind !== 'folder') return 409;
    return this.nameTaken(parent.id, name, except) ? 409 : 0;
  }
}

async function consumeFeed(user: TestUser, view: Map<string, { parent: string | null; name: string; hash: string | null; deleted: boolean; etag: string }>, cursor: string | undefined) {
  for (;;) {
    const r = await server.request('GET', `/v1/changes?limit=50${cursor ? `&cursor=${cursor}` : ''}`, { token: user.token });
    const body = r.json();
    for (const c of body.changes) view.set(c.id, { parent: c.parent_id, name: c.name, hash: c.content_hash, deleted: c.deleted, etag: c.etag });
    cursor = body.cursor;
    if (!body.has_more) return cursor;
  }
}

it('the server follows the model of the naming, moving and deleting rules (property)', { timeout: 180_000 }, async () => {
  const contents: { hash: string; blocks: { hash: string; size: number }[] }[] = [];
  await fc.assert(
    fc.asyncProperty(fc.array(opArb, { minLength: 5, maxLength: 30 }), async (ops) => {
      const user = await server.user(`model${users++}`);
      if (contents.length === 0) for (let i = 0; i < 4; i++) contents.push(await server.upload(user, Buffer.from(`content number ${i}`)));
      // Each new account must upload (or prove) the blocks it references.
      else for (let i = 0; i < 4; i++) await server.upload(user, Buffer.from(`content number ${i}`));
      const model = new Model(user.rootId);
      const view = new Map<string, { parent: string | null; name: string; hash: string | null; deleted: boolean; etag: string }>();
      let cursor: string | undefined;
      const etag = (i: ModelItem) => `"m${i.m}-c${i.c}"`;

      for (const op of ops) {
        let expected: number;
        let response;
        if (op.op === 'folder' || op.op === 'file') {
          const parent = model.pick(op.parent);
          expected = model.placeStatus(parent, op.name) || 201;
          const content = op.op === 'file' ? contents[op.content]! : undefined;
          response = await server.request('POST', '/v1/items', { token: user.token, body: { parent_id: parent.id, name: op.name, kind: op.op, ...(content ? { content } : {}) } });
          if (expected === 201 && response.statusCode === 201) {
            model.add({ id: response.json().id, parent: parent.id, name: op.name, kind: op.op, hash: content?.hash ?? null, live: true, m: 1, c: op.op === 'file' ? 1 : 0, trashRoot: null });
          }
        } else {
          const item = model.pick(op.item);
          if (op.op === 'commit') {
            expected = !item.live ? 404 : item.kind === 'folder' ? 400 : 200;
            response = await server.request('PUT', `/v1/items/${item.id}/content`, { token: user.token, headers: { 'if-match': etag(item) }, body: contents[op.content]! });
            if (expected === 200) Object.assign(item, { hash: contents[op.content]!.hash, c: item.c + 1 });
          } else if (op.op === 'move') {
            const parent = model.pick(op.parent);
            expected = !item.live ? 404 : item.parent === null ? 400 : 0;
            if (!expected && parent.id !== item.parent) {
              expected = !parent.live ? 404 : parent.kind !== 'folder' ? 409 : model.isInside(parent.id, item.id) ? 409 : model.placeStatus(parent, item.name, item.id);
            }
            expected ||= 200;
            response = await server.request('PATCH', `/v1/items/${item.id}`, { token: user.token, headers: { 'if-match': etag(item) }, body: { parent_id: parent.id } });
            if (expected === 200) Object.assign(item, { parent: parent.id, m: item.m + 1 });
          } else if (op.op === 'rename') {
            expected = !item.live ? 404 : item.parent === null ? 400 : model.placeStatus(model.items.get(item.parent)!, op.name, item.id) || 200;
            response = await server.request('PATCH', `/v1/items/${item.id}`, { token: user.token, headers: { 'if-match': etag(item) }, body: { name: op.name } });
            if (expected === 200) Object.assign(item, { name: op.name, m: item.m + 1 });
          } else if (op.op === 'restore') {
            const parent = item.parent ? model.items.get(item.parent)! : undefined;
            // Restoring into a folder that is gone recreates folders by path: covered by the trash tests, not modelled here.
            if (item.trashRoot === item.id && !(parent?.live)) continue;
            expected = item.trashRoot === item.id ? 200 : 404;
            response = await server.request('POST', `/v1/trash/${item.id}/restore`, { token: user.token });
            if (expected === 200) {
              const name = model.freeName(parent!.id, item.name);
              for (const other of model.items.values()) if (other.trashRoot === item.id) Object.assign(other, { live: true, m: other.m + 1, trashRoot: null });
              item.name = name;
            }
          } else {
            expected = !item.live ? 404 : item.parent === null ? 400 : 200;
            response = await server.request('DELETE', `/v1/items/${item.id}`, { token: user.token, headers: { 'if-match': etag(item) } });
            if (expected === 200) {
              for (const other of model.items.values()) {
                if (other.live && model.isInside(other.id, item.id)) Object.assign(other, { live: false, m: other.m + 1, trashRoot: item.id });
              }
            }
          }
        }
        expect(response.statusCode, `${JSON.stringify(op)} → ${response.body}`).toBe(expected);
        // Read the feed now and then, as a client would between changes.
        if (!('item' in op) || op.item % 3 === 0) cursor = await consumeFeed(user, view, cursor);
      }
      await consumeFeed(user, view, cursor);

      const modelView = [...model.items.values()].map((i) => [i.id, { parent: i.parent, name: i.name, hash: i.hash, deleted: !i.live, etag: etag(i) }] as const);
      expect(new Map(modelView)).toEqual(view);
    }),
    { numRuns: 25 },
  );
});
