// WebSocket /v1/notify: tells a signed-in device "your cursor is now X" whenever its namespace
// changes (never names or content: the client then pulls /v1/changes). The server pings every
// heartbeat; a link that misses a pong is closed, so a dead connection is noticed within two
// heartbeats. On (re)connect the current cursor is sent at once, so a client catches up.
import type { FastifyPluginAsync } from 'fastify';
import type { NotifyMessage } from '../../src-shared/protocol/changes.ts';
import { currentCursor, cursorAt } from '../changes/changes-feed.ts';
import type { Db } from '../db/database.ts';
import type { Notifier } from '../notify/notifier.ts';

export interface NotifyRouteOptions {
  db: Db;
  notifier: Notifier;
  heartbeatMs: number;
}

export const notifyRoutes: FastifyPluginAsync<NotifyRouteOptions> = async (app, { db, notifier, heartbeatMs }) => {
  app.get('/notify', { websocket: true, schema: { summary: 'WebSocket: cursor hints for this account (heartbeat pings)', hide: true } }, (socket, request) => {
    const namespaceId = request.actor.namespaceId;
    const send = (message: NotifyMessage) => {
      if (socket.readyState === socket.OPEN) socket.send(JSON.stringify(message));
    };
    // The same (fingerprinted) cursor the feed hands out, so a client can tell it already has it.
    const unsubscribe = notifier.subscribe(namespaceId, (seq) => {
      cursorAt(db, namespaceId, seq).then(
        (cursor) => send({ type: 'cursor', cursor }),
        (error: unknown) => request.log.error({ err: error }, 'notify: reading the cursor failed'),
      );
    });
    const unwatch = notifier.onRevoke(request.actor.deviceId, () => socket.close(4001, 'device signed out'));
    let alive = true;
    socket.on('pong', () => {
      alive = true;
    });
    const heartbeat = setInterval(() => {
      if (!alive) {
        socket.terminate();
        return;
      }
      alive = false;
      socket.ping();
    }, heartbeatMs);
    heartbeat.unref();
    socket.on('close', () => {
      clearInterval(heartbeat);
      unsubscribe();
      unwatch();
    });
    // Clients have nothing to say; anything they send is ignored (the size cap is set on the plugin).
    socket.on('message', () => {});
    currentCursor(db, namespaceId).then(
      (cursor) => send({ type: 'cursor', cursor }),
      (error: unknown) => {
        request.log.error({ err: error }, 'notify: reading the cursor failed');
        socket.close(1011, 'server error');
      },
    );
  });
};
