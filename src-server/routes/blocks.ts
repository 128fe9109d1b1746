// The block routes, inside the authenticated /v1 scope:
//   POST /blocks/missing  {hashes}  → {missing}  (only blocks this account can already read count)
//   POST /blocks          frames    → {blocks, bytes}, once every block is durable
//   POST /blocks/fetch    {hashes}  → frames, only blocks this account can read (else 404)
// Frames are src-shared/protocol/blocks.ts's [hash][u32 length][bytes], many blocks per request.
import type { FastifyPluginAsync } from 'fastify';
import type { ZodTypeProvider } from 'fastify-type-provider-zod';
import { z } from 'zod';
import { TandemError } from '../../src-shared/errors.ts';
import {
  BLOCK_FRAMES_CONTENT_TYPE,
  BLOCK_FRAME_HEADER_BYTES,
  FetchBlocksRequestSchema,
  MAX_BLOCK_BATCH_BYTES,
  MAX_BLOCKS_PER_BATCH,
  MissingBlocksRequestSchema,
  MissingBlocksResponseSchema,
  UploadBlocksResponseSchema,
  decodeBlockFrames,
} from '../../src-shared/protocol/blocks.ts';
import { errorBodySchema } from '../../src-shared/protocol/common.ts';
import { type AnyDatabase, missingBlocks, readableBlockSizes } from '../blocks/block-index.ts';
import type { BlockStore } from '../blocks/block-store.ts';
import '../request-context.ts';

/** An upload body: at most 64 MiB of blocks plus their frame headers. */
export const UPLOAD_BODY_LIMIT = MAX_BLOCK_BATCH_BYTES + MAX_BLOCKS_PER_BATCH * BLOCK_FRAME_HEADER_BYTES;
/** A JSON list of up to 10,000 hashes is about 750 KB. */
const HASH_LIST_BODY_LIMIT = 1024 * 1024;

export interface BlockRouteOptions {
  db: AnyDatabase;
  blockStore: BlockStore;
  /** The clock for the grace period a missing check grants; pass the store's clock. Default Date.now. */
  now?: () => number;
}

export const blockRoutes: FastifyPluginAsync<BlockRouteOptions> = async (app, { db, blockStore, now = Date.now }) => {
  // Upload bodies arrive whole (they are hashed and written in one batch); this scope only.
  if (app.hasContentTypeParser(BLOCK_FRAMES_CONTENT_TYPE)) app.removeContentTypeParser(BLOCK_FRAMES_CONTENT_TYPE);
  app.addContentTypeParser(BLOCK_FRAMES_CONTENT_TYPE, { parseAs: 'buffer', bodyLimit: UPLOAD_BODY_LIMIT }, (_request, body, done) => {
    done(null, body);
  });

  const typed = app.withTypeProvider<ZodTypeProvider>();

  typed.post(
    '/blocks/missing',
    {
      bodyLimit: HASH_LIST_BODY_LIMIT,
      schema: {
        summary: 'Which of these blocks must be uploaded (blocks other accounts hold count as missing)',
        body: MissingBlocksRequestSchema,
        response: { 200: MissingBlocksResponseSchema, 400: errorBodySchema },
      },
    },
    async (request) => ({ missing: await missingBlocks(db, request.auth.accountId, request.body.hashes, now()) }),
  );

  typed.post(
    '/blocks',
    {
      bodyLimit: UPLOAD_BODY_LIMIT,
      schema: {
        summary: 'Upload many blocks as frames ([32-byte hash][u32 BE length][bytes]…); answered once durable',
        consumes: [BLOCK_FRAMES_CONTENT_TYPE],
        body: z.unknown().describe('frames: [32-byte raw BLAKE3 digest][u32 big-endian length][bytes], repeated'),
        response: { 200: UploadBlocksResponseSchema, 400: errorBodySchema, 413: errorBodySchema },
      },
    },
    async (request) => {
      if (!(request.body instanceof Uint8Array)) {
        throw new TandemError('bad_request', `Send blocks as ${BLOCK_FRAMES_CONTENT_TYPE} frames.`);
      }
      const frames = decodeBlockFrames(request.body);
      if (frames.length === 0) throw new TandemError('bad_request', 'The upload carries no blocks.');
      const result = await blockStore.putBlocks(frames, { accountId: request.auth.accountId });
      return { blocks: result.blocks, bytes: result.bytes };
    },
  );

  typed.post(
    '/blocks/fetch',
    {
      bodyLimit: HASH_LIST_BODY_LIMIT,
      schema: {
        summary: 'Download many blocks as frames, in the order asked (each block once)',
        produces: [BLOCK_FRAMES_CONTENT_TYPE],
        body: FetchBlocksRequestSchema,
        response: {
          200: z.unknown().describe(`${BLOCK_FRAMES_CONTENT_TYPE}: frames, as uploaded`),
          400: errorBodySchema,
          404: errorBodySchema,
          413: errorBodySchema,
        },
      },
    },
    async (request, reply) => {
      const hashes = [...new Set(request.body.hashes)];
      const readable = await readableBlockSizes(db, request.auth.accountId, hashes);
      // The same answer whether the block is absent or only another account's: nothing leaks.
      const unreadable = hashes.find((hash) => !readable.has(hash));
      if (unreadable) throw new TandemError('not_found', `Block ${unreadable} is not on the server.`);
      let bytes = 0;
      for (const size of readable.values()) bytes += size;
      if (bytes > MAX_BLOCK_BATCH_BYTES) {
        throw new TandemError('too_large', `These blocks add up to ${bytes} bytes; fetch at most ${MAX_BLOCK_BATCH_BYTES} bytes per request.`);
      }
      const body = await blockStore.readBlockFrames(hashes);
      return reply.type(BLOCK_FRAMES_CONTENT_TYPE).send(Buffer.from(body.buffer, body.byteOffset, body.byteLength));
    },
  );
};
