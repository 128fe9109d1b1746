// The sync server's HTTP API in one place for clients: every route's path, and the headers that
// carry preconditions. Request and response shapes are the zod schemas beside this file; the
// server serves the same as OpenAPI at /v1/openapi.json.
//
//   POST   /v1/login                         password → device token (rate-limited)
//   GET    /v1/account                       who am I, root folder, usage, quota, cursor
//   GET    /v1/devices · DELETE /v1/devices/:id      list / revoke device tokens
//   POST   /v1/items                         create file or folder (optional client UUIDv7 id, optional content)
//   GET    /v1/items/:id                     every field + current block list; ETag header
//   PATCH  /v1/items/:id                     move and/or rename, mtime, executable   (If-Match: m part)
//   PUT    /v1/items/:id/content             commit a block list, whole or as a delta (If-Match: c part); 422 blocks_missing
//   DELETE /v1/items/:id[?seen_cursor=]      to the trash                            (If-Match: both)
//   GET    /v1/items/:id/children            live children by name, paged, + folder cursor
//   GET    /v1/items/:id/changes?cursor=     what entered, changed in or left the folder
//   GET    /v1/items/:id/versions · GET /v1/items/:id/versions/:v (with blocks) · POST …/versions/:v/restore
//   GET    /v1/items/:id/versions/:v/blocks?base=   a version's block list, as a delta from content `base` when it pays
//   GET    /v1/changes?cursor=&limit=&blocks=   the namespace feed (big lists left out: blocks_omitted); 410 cursor_expired → list again
//   POST   /v1/batch                         many create/commit/update/delete, a result each
//   GET    /v1/trash · POST /v1/trash/:id/restore · DELETE /v1/trash/:id
//   GET    /v1/notify                        WebSocket: {type:'cursor', cursor} hints, pings
//   POST   /v1/blocks/missing · POST /v1/blocks · POST /v1/blocks/fetch · GET|HEAD /v1/items/:id/content
// Every route but login and openapi.json needs "Authorization: Bearer <token>". Errors are
// { code, message } (code from src-shared/errors.ts); a 412 also carries the current item.

export const API_PREFIX = '/v1';

export const HEADER = {
  authorization: 'authorization',
  ifMatch: 'if-match',
  idempotencyKey: 'idempotency-key',
  etag: 'etag',
} as const;

const seg = (id: string) => encodeURIComponent(id);

export const apiPath = {
  login: () => `${API_PREFIX}/login`,
  account: () => `${API_PREFIX}/account`,
  devices: () => `${API_PREFIX}/devices`,
  device: (id: string) => `${API_PREFIX}/devices/${seg(id)}`,
  items: () => `${API_PREFIX}/items`,
  item: (id: string) => `${API_PREFIX}/items/${seg(id)}`,
  itemContent: (id: string) => `${API_PREFIX}/items/${seg(id)}/content`,
  itemChildren: (id: string) => `${API_PREFIX}/items/${seg(id)}/children`,
  itemChanges: (id: string) => `${API_PREFIX}/items/${seg(id)}/changes`,
  itemVersions: (id: string) => `${API_PREFIX}/items/${seg(id)}/versions`,
  itemVersion: (id: string, version: number) => `${API_PREFIX}/items/${seg(id)}/versions/${version}`,
  itemVersionBlocks: (id: string, version: number) => `${API_PREFIX}/items/${seg(id)}/versions/${version}/blocks`,
  restoreVersion: (id: string, version: number) => `${API_PREFIX}/items/${seg(id)}/versions/${version}/restore`,
  changes: () => `${API_PREFIX}/changes`,
  batch: () => `${API_PREFIX}/batch`,
  trash: () => `${API_PREFIX}/trash`,
  trashEntry: (id: string) => `${API_PREFIX}/trash/${seg(id)}`,
  restoreFromTrash: (id: string) => `${API_PREFIX}/trash/${seg(id)}/restore`,
  notify: () => `${API_PREFIX}/notify`,
  openapi: () => `${API_PREFIX}/openapi.json`,
} as const;
