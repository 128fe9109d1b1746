// GET and HEAD /items/:id/content: a file's bytes, streamed from its block list, inside the
// authenticated /v1 scope. Strong ETag (the content hash), If-None-Match, Accept-Ranges and one
// `Range: bytes=…` (206 with Content-Range; 416 when nothing of the file is in range). Several
// ranges, or a Range that does not parse, are ignored and the whole file is sent (RFC 9110 allows it).
import { Readable } from 'node:stream';
import type { FastifyPluginAsync } from 'fastify';
import type { ZodTypeProvider } from 'fastify-type-provider-zod';
import { z } from 'zod';
import { type ErrorBody, TandemError } from '../../src-shared/errors.ts';
import { errorBodySchema } from '../../src-shared/protocol/common.ts';
import type { BlockStore } from '../blocks/block-store.ts';
import '../request-context.ts';

export interface ItemContent {
  size: number;
  hash: string;
  blocks: { hash: string; size: number }[];
  name: string;
}

export interface ContentRouteOptions {
  blockStore: BlockStore;
  /** SERVER-CORE supplies it: the item's current content if the account can see it, else undefined (→ 404). */
  getItemContent(accountId: string, itemId: string): Promise<ItemContent | undefined>;
}

export type ByteRange = { start: number; end: number } | 'unsatisfiable' | undefined;

/**
 * The byte range [start, end) a `Range` header asks for in a file of `size` bytes: undefined to
 * send the whole file (no header, not bytes, several ranges, malformed), or 'unsatisfiable'.
 */
export function parseRange(header: string | undefined, size: number): ByteRange {
  if (header === undefined) return undefined;
  const match = /^\s*bytes\s*=\s*(\d*)\s*-\s*(\d*)\s*$/i.exec(header);
  if (!match) return undefined;
  const [, first = '', last = ''] = match;
  if (first === '' && last === '') return undefined;
  if (first === '') {
    const suffix = Number(last);
    if (suffix === 0 || size === 0) return 'unsatisfiable';
    return { start: Math.max(0, size - suffix), end: size };
  }
  const start = Number(first);
  if (last !== '' && Number(last) < start) return undefined;
  if (start >= size) return 'unsatisfiable';
  const end = last === '' ? size : Math.min(Number(last) + 1, size);
  return { start, end };
}

/** Content-Disposition with the name as UTF-8 (RFC 6266) and a plain ASCII fallback. */
function contentDisposition(name: string): string {
  const ascii = name.replace(/[^\x20-\x7e]|["\\]/g, '_');
  return `attachment; filename="${ascii}"; filename*=UTF-8''${encodeURIComponent(name)}`;
}

function etagMatches(header: string | undefined, etag: string): boolean {
  if (!header) return false;
  return header.split(',').some((tag) => {
    const trimmed = tag.trim();
    return trimmed === '*' || trimmed === etag || trimmed === `W/${etag}`;
  });
}

const idParams = z.object({ id: z.string().min(1).max(64) });

export const contentRoutes: FastifyPluginAsync<ContentRouteOptions> = async (app, { blockStore, getItemContent }) => {
  app.withTypeProvider<ZodTypeProvider>().route({
    method: ['GET', 'HEAD'],
    url: '/items/:id/content',
    exposeHeadRoute: false,
    schema: {
      summary: "A file's bytes; HEAD for headers only; one byte range with Range: bytes=a-b",
      produces: ['application/octet-stream'],
      params: idParams,
      response: {
        200: z.unknown().describe('the whole file (application/octet-stream)'),
        206: z.unknown().describe('the requested byte range'),
        304: z.unknown().describe('unchanged since the ETag given in If-None-Match'),
        404: errorBodySchema,
        416: errorBodySchema,
      },
    },
    handler: async (request, reply) => {
      const content = await getItemContent(request.auth.accountId, request.params.id);
      if (!content) throw new TandemError('not_found', 'That file does not exist, or it is not yours.');
      const listed = content.blocks.reduce((sum, block) => sum + block.size, 0);
      if (listed !== content.size) {
        throw new TandemError('internal', `The stored block list of "${content.name}" adds up to ${listed} bytes, not ${content.size}.`);
      }
      const etag = `"${content.hash}"`;
      void reply
        .header('etag', etag)
        .header('accept-ranges', 'bytes')
        .header('cache-control', 'private, no-cache')
        .header('content-type', 'application/octet-stream')
        .header('content-disposition', contentDisposition(content.name));

      if (etagMatches(request.headers['if-none-match'], etag)) return reply.code(304).send();

      const ifRange = request.headers['if-range'];
      const range = ifRange === undefined || ifRange === etag ? parseRange(request.headers.range, content.size) : undefined;
      if (range === 'unsatisfiable') {
        // 416 has no error code of its own: the body says bad_request, the status says which.
        const body: ErrorBody = { code: 'bad_request', message: `The file is ${content.size} bytes; the requested range is outside it.` };
        return reply.code(416).header('content-range', `bytes */${content.size}`).header('content-type', 'application/json; charset=utf-8').send(body);
      }
      const { start, end } = range ?? { start: 0, end: content.size };
      if (range) void reply.code(206).header('content-range', `bytes ${start}-${end - 1}/${content.size}`);
      void reply.header('content-length', end - start);
      if (request.method === 'HEAD' || end === start) return reply.send();

      // Read the first blocks before the headers go out, so a missing or damaged block is a
      // proper error response rather than a cut-off download.
      const pieces = blockStore.readRange(content.blocks, start, end)[Symbol.asyncIterator]();
      const first = await pieces.next();
      async function* body(): AsyncGenerator<Uint8Array> {
        if (!first.done) yield first.value;
        for (let next = await pieces.next(); !next.done; next = await pieces.next()) yield next.value;
      }
      return reply.send(Readable.from(body(), { objectMode: false }));
    },
  });
};
