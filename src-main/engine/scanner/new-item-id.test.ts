// New local ids are UUIDv7 (time-ordered, as the server expects) and never repeat.

import { describe, expect, it } from 'vitest';
import { newItemId } from './new-item-id.ts';

describe('newItemId', () => {
  it('gives distinct UUIDv7 values, also across refills of its random pool', () => {
    const ids = new Set<string>();
    for (let i = 0; i < 10_000; i++) ids.add(newItemId());
    expect(ids.size).toBe(10_000);
    for (const id of [...ids].slice(0, 50)) expect(id).toMatch(/^[0-9a-f]{8}-[0-9a-f]{4}-7[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/);
  });

  it('starts with the current time, so ids sort by creation', () => {
    const id = newItemId();
    const ms = parseInt(id.replace(/-/g, '').slice(0, 12), 16);
    expect(Math.abs(ms - Date.now())).toBeLessThan(5000);
  });
});
