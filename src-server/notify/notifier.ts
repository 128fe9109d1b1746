// In-process fan-out of "namespace N is now at seq S" to the WebSocket listeners of that
// namespace. Called after a transaction commits, never inside one. Hints only: a client that
// misses one catches up from its cursor.
export type CursorListener = (seq: number) => void;

export class Notifier {
  readonly #listeners = new Map<string, Set<CursorListener>>();
  readonly #revokeListeners = new Map<string, Set<() => void>>();

  subscribe(namespaceId: string, listener: CursorListener): () => void {
    let set = this.#listeners.get(namespaceId);
    if (!set) this.#listeners.set(namespaceId, (set = new Set()));
    set.add(listener);
    return () => {
      set.delete(listener);
      if (set.size === 0) this.#listeners.delete(namespaceId);
    };
  }

  publish(namespaceId: string, seq: number): void {
    for (const listener of this.#listeners.get(namespaceId) ?? []) listener(seq);
  }

  /** Called when a device's token is revoked: its open connections are closed. */
  onRevoke(deviceId: string, listener: () => void): () => void {
    let set = this.#revokeListeners.get(deviceId);
    if (!set) this.#revokeListeners.set(deviceId, (set = new Set()));
    set.add(listener);
    return () => {
      set.delete(listener);
      if (set.size === 0) this.#revokeListeners.delete(deviceId);
    };
  }

  revoke(deviceId: string): void {
    for (const listener of this.#revokeListeners.get(deviceId) ?? []) listener();
  }

  listenerCount(namespaceId: string): number {
    return this.#listeners.get(namespaceId)?.size ?? 0;
  }
}
