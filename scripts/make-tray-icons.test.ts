// The tray icons are generated: the committed PNGs must be exactly what the script draws, valid
// PNGs of the right size, and (for macOS templates) black with alpha only.
import { readFileSync } from 'node:fs';
import { inflateSync, crc32 } from 'node:zlib';
import { describe, expect, it } from 'vitest';
import { BADGE_COUNTS, drawAppIcon, drawTrayIcons, encodePng, SYNC_FRAMES, TRAY_STATES, trayIconName } from './make-tray-icons.ts';

const assets = new URL('../assets/', import.meta.url);

/** Reads back the PNGs this script writes (8-bit RGBA, filter 0), checking every chunk's CRC. */
function decodePng(png: Buffer): { width: number; height: number; rgba: Uint8Array } {
  expect(png.subarray(0, 8)).toEqual(Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]));
  let offset = 8;
  let width = 0;
  let height = 0;
  const data: Buffer[] = [];
  while (offset < png.length) {
    const length = png.readUInt32BE(offset);
    const type = png.toString('ascii', offset + 4, offset + 8);
    const body = png.subarray(offset + 8, offset + 8 + length);
    expect(png.readUInt32BE(offset + 8 + length)).toBe(crc32(png.subarray(offset + 4, offset + 8 + length)));
    if (type === 'IHDR') {
      width = body.readUInt32BE(0);
      height = body.readUInt32BE(4);
      expect([body[8], body[9]]).toEqual([8, 6]);
    }
    if (type === 'IDAT') data.push(body);
    offset += 12 + length;
  }
  const rows = inflateSync(Buffer.concat(data));
  const rgba = new Uint8Array(width * height * 4);
  for (let y = 0; y < height; y++) {
    expect(rows[y * (1 + width * 4)]).toBe(0);
    rgba.set(rows.subarray(y * (1 + width * 4) + 1, (y + 1) * (1 + width * 4)), y * width * 4);
  }
  return { width, height, rgba };
}

describe('encodePng', () => {
  it('writes pixels that read back unchanged', () => {
    const pixels = new Uint8Array([255, 0, 0, 255, 0, 255, 0, 128, 0, 0, 255, 0, 10, 20, 30, 40, 1, 2, 3, 4, 5, 6, 7, 8]);
    const decoded = decodePng(encodePng(3, 2, pixels));
    expect([decoded.width, decoded.height]).toEqual([3, 2]);
    expect(decoded.rgba).toEqual(pixels);
  });

  it('refuses a pixel buffer of the wrong size', () => {
    expect(() => encodePng(2, 2, new Uint8Array(15))).toThrow('expected 16 bytes of pixels, got 15');
  });
});

describe('committed tray icons', () => {
  const drawn = drawTrayIcons();

  it('are exactly what the script draws (run node scripts/make-tray-icons.ts after changing it)', () => {
    expect(drawn.size).toBe((TRAY_STATES.length + SYNC_FRAMES - 1 + BADGE_COUNTS.length) * 3 * 2);
    for (const [name, png] of drawn) {
      expect(readFileSync(new URL(`tray/${name}`, assets)).equals(png), `assets/tray/${name} differs`).toBe(true);
    }
    expect(readFileSync(new URL('icon.png', assets)).equals(drawAppIcon())).toBe(true);
  });

  it('come at 16 px and 32 px (@2x), with something drawn in each', () => {
    for (const state of TRAY_STATES) {
      for (const variant of ['onlight', 'ondark', 'Template'] as const) {
        for (const [scale, size] of [[1, 16], [2, 32]] as const) {
          const { width, height, rgba } = decodePng(drawn.get(trayIconName(state, variant, scale))!);
          expect([width, height]).toEqual([size, size]);
          const opaque = rgba.filter((_, i) => i % 4 === 3 && rgba[i]! > 128).length;
          expect(opaque, `${state} ${variant} ${size}px`).toBeGreaterThan(size * size * 0.1);
        }
      }
    }
  });

  it('as macOS templates are black with alpha only, and the six states differ in shape', () => {
    const silhouettes = new Set<string>();
    for (const state of TRAY_STATES) {
      const { rgba } = decodePng(drawn.get(trayIconName(state, 'Template', 1))!);
      for (let i = 0; i < rgba.length; i += 4) expect([rgba[i], rgba[i + 1], rgba[i + 2]]).toEqual([0, 0, 0]);
      silhouettes.add(Buffer.from(rgba.filter((_, i) => i % 4 === 3)).toString('hex'));
    }
    expect(silhouettes.size).toBe(TRAY_STATES.length);
  });

  it('turn the syncing arrows a step in each frame, and show each count differently in the badge', () => {
    const alpha = (name: string) => Buffer.from(decodePng(drawn.get(name)!).rgba.filter((_, i) => i % 4 === 3)).toString('hex');
    const frames = Array.from({ length: SYNC_FRAMES }, (_, k) => alpha(trayIconName('syncing', 'Template', 1, k === 0 ? '' : `f${k}`)));
    expect(new Set(frames).size).toBe(SYNC_FRAMES);
    for (const scale of [1, 2] as const) {
      // In the template the count is cut out of the badge, so each count has its own silhouette.
      const badges = BADGE_COUNTS.map((count) => alpha(trayIconName('attention', 'Template', scale, count)));
      expect(new Set([...badges, alpha(trayIconName('attention', 'Template', scale))]).size).toBe(BADGE_COUNTS.length + 1);
    }
  });
});
