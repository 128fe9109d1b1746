// Reading the launch token from the page address, and offering it as a subprotocol.
import { describe, expect, it } from 'vitest';
import { ipcWebSocketProtocols, tokenFromHash } from './websocket.ts';

const TOKEN = 'q7Zx1cV9_bN-3mK8pL2wR5tY0uI4oP6aS1dF7gH9jK2';

describe('tokenFromHash', () => {
  it('finds the token in the hash the host printed, with or without the #', () => {
    expect(tokenFromHash(`#token=${TOKEN}`)).toBe(TOKEN);
    expect(tokenFromHash(`token=${TOKEN}`)).toBe(TOKEN);
    expect(tokenFromHash(`#view=main&token=${TOKEN}`)).toBe(TOKEN);
  });

  it('finds nothing in an empty, truncated or tampered hash', () => {
    for (const hash of ['', '#', '#token=', '#token=short', `#tok=${TOKEN}`, `#token=${TOKEN.slice(0, 10)}`, '#token=has spaces in it and more', `#token=${TOKEN},x`]) {
      expect(tokenFromHash(hash), hash).toBeUndefined();
    }
  });
});

describe('ipcWebSocketProtocols', () => {
  it('offers the IPC protocol first and the token as a second protocol', () => {
    expect(ipcWebSocketProtocols(TOKEN)).toEqual(['tandem.ipc.v1', `tandem.token.${TOKEN}`]);
  });
});
