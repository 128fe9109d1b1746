// The block routes, inside the authenticated /v1 scope:
//   POST /blocks/missing  {hashes}  → {missing}  (only blocks this account can already read count)
//   POST /blocks          frames    → {blocks, bytes}, once every block is durable
//   POST /blocks/fetch    {hashes}  → frames, only blocks this account can read (else 404)
// Frames are src-shared/protocol/blocks.ts's [hash][u32 length][bytes], many blocks per request.
import type { IncomingHttpHeaders, IncomingMessage } from 'node:http';
import type { FastifyPluginAsync, FastifyRequest } from 'fastify';
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
} from '../../src-shared/protocol/blocks.ts';
import { errorBodySchema } from '../../src-shared/protocol/common.ts';
import { type AnyDatabase, missingBlocks, readableBlockSizes } from '../blocks/block-index.ts';
import type { BlockStore, VerifiedBlock } from '../blocks/block-store.ts';
import { BlockFrameReader } from '../blocks/frame-reader.ts';
import '../request-context.ts';

/** An upload body: at most 64 MiB of blocks plus their frame headers. */
export const UPLOAD_BODY_LIMIT = MAX_BLOCK_BATCH_BYTES + MAX_BLOCKS_PER_BATCH * BLOCK_FRAME_HEADER_BYTES;
/** A JSON list of up to 10,000 hashes is about 750 KB. */
const HASH_LIST_BODY_LIMIT = 1024 * 1024;

/** What the frames parser makes of an upload: a class, so a JSON body can never pass for one. */
class ReceivedBlocks {
  readonly blocks: VerifiedBlock[];
  constructor(blocks: VerifiedBlock[]) {
    this.blocks = blocks;
  }
}

function bodyTooLarge(): TandemError {
  return new TandemError('too_large', 'The request body is larger than this endpoint accepts.');
}

/**
 * Reads an upload's frames as they stream in, each block verified as it completes (see
 * BlockFrameReader). The body limit is enforced here: Fastify applies bodyLimit only to parsers
 * that take the whole body. On an error Fastify answers with `connection: close`, so the rest of
 * the body is never read.
 */
function readUpload(headers: IncomingHttpHeaders, payload: NodeJS.ReadableStream): Promise<ReceivedBlocks> {
  return new Promise((resolve, reject) => {
    if (Number(headers['content-length']) > UPLOAD_BODY_LIMIT) {
      reject(bodyTooLarge());
      return;
    }
    const reader = new BlockFrameReader();
    let received = 0;
    const stop = (error: unknown): void => {
      payload.removeListener('data', onData);
      payload.removeListener('end', onEnd);
      payload.removeListener('error', stop);
      payload.removeListener('close', onClose);
      reject(error);
    };
    const onData = (chunk: Buffer | string): void => {
      const bytes = typeof chunk === 'string' ? Buffer.from(chunk) : chunk;
      received += bytes.length;
      if (received > UPLOAD_BODY_LIMIT) {
        stop(bodyTooLarge());
        return;
      }
      try {
        reader.push(bytes);
      } catch (error) {
        stop(error);
      }
    };
    const onEnd = (): void => {
      payload.removeListener('close', onClose);
      try {
        resolve(new ReceivedBlocks(reader.end()));
      } catch (error) {
        reject(error);
      }
    };
    const onClose = (): void => stop(new TandemError('bad_request', 'The upload was cut off before its end.'));
    payload.on('data', onData);
    payload.once('end', onEnd);
    payload.once('error', stop);
    payload.once('close', onClose);
  });
}

const MiB = 1024 * 1024;

/**
 * The memory of /blocks/fetch answers, reused once each answer has been handed to the socket: a
 * fresh 16 MiB Buffer per fetch was page faults on every byte and old-space collections forced by
 * external memory (profiled while serving a 1 GiB download). Answers under 1 MiB are not worth it.
 * At most `keepBytes` wait here, and only until the fetches stop for a while.
 */
class FetchBufferPool {
  private free: Buffer[] = [];
  /** Only memory this pool allocated is ever taken back. */
  private readonly own = new WeakSet<ArrayBufferLike>();
  private freeBytes = 0;
  private idleTimer: NodeJS.Timeout | undefined;
  private readonly keepBytes: number;
  private readonly idleMs: number;

  constructor(keepBytes: number, idleMs: number) {
    this.keepBytes = keepBytes;
    this.idleMs = idleMs;
  }

  /** A Buffer of exactly `bytes`; hand it back with `give` once nothing reads it any more. */
  take = (bytes: number): Buffer => {
    if (bytes < MiB) return Buffer.allocUnsafe(bytes);
    let best: Buffer | undefined;
    for (const buffer of this.free) if (buffer.length >= bytes && (!best || buffer.length < best.length)) best = buffer;
    if (best) {
      this.free.splice(this.free.indexOf(best), 1);
      this.freeBytes -= best.length;
      return best.subarray(0, bytes);
    }
    // Its own ArrayBuffer (never Node's shared pool), rounded up so that windows of slightly
    // different sizes fit the same one.
    const whole = Buffer.allocUnsafeSlow(Math.ceil(bytes / MiB) * MiB);
    this.own.add(whole.buffer);
    return whole.subarray(0, bytes);
  };

  give(body: Buffer): void {
    if (!this.own.has(body.buffer)) return;
    const whole = Buffer.from(body.buffer, 0, body.buffer.byteLength);
    if (this.freeBytes + whole.length > this.keepBytes) return;
    this.free.push(whole);
    this.freeBytes += whole.length;
    clearTimeout(this.idleTimer);
    this.idleTimer = setTimeout(() => {
      this.free = [];
      this.freeBytes = 0;
    }, this.idleMs).unref();
  }
}

export interface BlockRouteOptions {
  db: AnyDatabase;
  blockStore: BlockStore;
  /** The clock for the grace period a missing check grants; pass the store's clock. Default Date.now. */
  now?: () => number;
}

export const blockRoutes: FastifyPluginAsync<BlockRouteOptions> = async (app, { db, blockStore, now = Date.now }) => {
  // Upload bodies are taken apart and hashed as they stream in, never joined; this scope only.
  if (app.hasContentTypeParser(BLOCK_FRAMES_CONTENT_TYPE)) app.removeContentTypeParser(BLOCK_FRAMES_CONTENT_TYPE);
  app.addContentTypeParser(BLOCK_FRAMES_CONTENT_TYPE, (request: FastifyRequest, payload: IncomingMessage) =>
    readUpload(request.headers, payload),
  );

  const typed = app.withTypeProvider<ZodTypeProvider>();
  // Enough for the engine's two 16 MiB windows in flight and one more client.
  const fetchBuffers = new FetchBufferPool(64 * MiB, 30_000);

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
      if (!(request.body instanceof ReceivedBlocks)) {
        throw new TandemError('bad_request', `Send blocks as ${BLOCK_FRAMES_CONTENT_TYPE} frames.`);
      }
      const { blocks } = request.body;
      if (blocks.length === 0) throw new TandemError('bad_request', 'The upload carries no blocks.');
      const result = await blockStore.putVerifiedBlocks(blocks, { accountId: request.auth.accountId });
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
      const frames = await blockStore.readBlockFrames(hashes, fetchBuffers.take);
      const body = Buffer.from(frames.buffer, frames.byteOffset, frames.byteLength);
      // 'finish' comes once the socket has taken every byte. A connection closed before that may
      // still hold the memory: then it is left to the garbage collector.
      reply.raw.once('finish', () => fetchBuffers.give(body));
      return reply.type(BLOCK_FRAMES_CONTENT_TYPE).send(body);
    },
  );
};
