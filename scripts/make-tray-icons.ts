// Draws Tandem's tray icons (and the 512 px app icon) into assets/, in pure Node: a tiny
// anti-aliased rasteriser for a few vector shapes and a PNG writer on node:zlib. The PNGs are
// committed; run `node scripts/make-tray-icons.ts` after changing a shape here.
//
// Per state (UI.md, "The tray icon"): tray-<state>-onlight.png (dark ink, for light menu bars and
// taskbars), tray-<state>-ondark.png (light ink, for dark ones), tray-<state>Template.png (black +
// alpha; macOS recolours it). Each at 16 px, and 32 px as "@2x" beside it. Besides those:
// - tray-syncing-f<k>-… (k = 1…SYNC_FRAMES-1): the arrows turned step by step; the tray cycles
//   them with tray-syncing-… (frame 0) while syncing, so the arrows turn gently.
// - tray-attention-<n>-… (n = 1…9, and "9plus"): the bell with the count in its badge, for
//   Windows and Linux, where a tray icon has no title beside it (macOS shows the count as text).
import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { crc32, deflateSync } from 'node:zlib';

// ---------------------------------------------------------------------------------------------
// PNG

/** Encodes 8-bit RGBA pixels (row by row, 4 bytes each) as a PNG file. */
export function encodePng(width: number, height: number, rgba: Uint8Array): Buffer {
  if (rgba.length !== width * height * 4) throw new Error(`expected ${width * height * 4} bytes of pixels, got ${rgba.length}`);
  const chunk = (type: string, data: Buffer) => {
    const length = Buffer.alloc(4);
    length.writeUInt32BE(data.length);
    const typed = Buffer.concat([Buffer.from(type, 'ascii'), data]);
    const crc = Buffer.alloc(4);
    crc.writeUInt32BE(crc32(typed));
    return Buffer.concat([length, typed, crc]);
  };
  const header = Buffer.alloc(13);
  header.writeUInt32BE(width, 0);
  header.writeUInt32BE(height, 4);
  header[8] = 8; // bits per channel
  header[9] = 6; // RGBA
  // Each row starts with filter type 0 (none); zlib does the compressing.
  const rows = Buffer.alloc(height * (1 + width * 4));
  for (let y = 0; y < height; y++) {
    rows[y * (1 + width * 4)] = 0;
    Buffer.from(rgba.buffer, rgba.byteOffset + y * width * 4, width * 4).copy(rows, y * (1 + width * 4) + 1);
  }
  return Buffer.concat([
    Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]),
    chunk('IHDR', header),
    chunk('IDAT', deflateSync(rows, { level: 9 })),
    chunk('IEND', Buffer.alloc(0)),
  ]);
}

// ---------------------------------------------------------------------------------------------
// Shapes, in a 16 × 16 design grid (y down); a 32 px icon is the same drawing at twice the scale.

export type Shape = (x: number, y: number) => boolean;
type Rgb = readonly [number, number, number];

const disc = (cx: number, cy: number, r: number): Shape => (x, y) => (x - cx) ** 2 + (y - cy) ** 2 <= r * r;

const ring = (cx: number, cy: number, r: number, width: number): Shape => (x, y) => {
  const d = Math.hypot(x - cx, y - cy);
  return d <= r + width / 2 && d >= r - width / 2;
};

const rect = (x0: number, y0: number, x1: number, y1: number): Shape => (x, y) => x >= x0 && x <= x1 && y >= y0 && y <= y1;

const roundedRect = (x0: number, y0: number, x1: number, y1: number, r: number): Shape => (x, y) => {
  const dx = Math.max(x0 + r - x, 0, x - (x1 - r));
  const dy = Math.max(y0 + r - y, 0, y - (y1 - r));
  return x >= x0 && x <= x1 && y >= y0 && y <= y1 && dx * dx + dy * dy <= r * r;
};

/** A straight stroke with round caps. */
const segment = (x1: number, y1: number, x2: number, y2: number, width: number): Shape => (x, y) => {
  const vx = x2 - x1;
  const vy = y2 - y1;
  const t = Math.max(0, Math.min(1, ((x - x1) * vx + (y - y1) * vy) / (vx * vx + vy * vy)));
  return Math.hypot(x - (x1 + t * vx), y - (y1 + t * vy)) <= width / 2;
};

const polyline = (points: readonly (readonly [number, number])[], width: number): Shape =>
  union(...points.slice(1).map((p, i) => segment(points[i]![0], points[i]![1], p[0], p[1], width)));

const polygon = (points: readonly (readonly [number, number])[]): Shape => (x, y) => {
  let inside = false;
  for (let i = 0, j = points.length - 1; i < points.length; j = i++) {
    const [xi, yi] = points[i]!;
    const [xj, yj] = points[j]!;
    if (yi > y !== yj > y && x < ((xj - xi) * (y - yi)) / (yj - yi) + xi) inside = !inside;
  }
  return inside;
};

/** A stroked arc from angle a0 to a1 (degrees, clockwise from 3 o'clock since y points down). */
const arc = (cx: number, cy: number, r: number, width: number, from: number, to: number): Shape => (x, y) => {
  // Turned arcs (the syncing frames) may start past 360 degrees.
  const a0 = ((from % 360) + 360) % 360;
  const a1 = ((to % 360) + 360) % 360;
  const d = Math.hypot(x - cx, y - cy);
  if (d > r + width / 2 || d < r - width / 2) return false;
  const angle = ((Math.atan2(y - cy, x - cx) * 180) / Math.PI + 360) % 360;
  return a0 <= a1 ? angle >= a0 && angle <= a1 : angle >= a0 || angle <= a1;
};

const union = (...shapes: Shape[]): Shape => (x, y) => shapes.some((s) => s(x, y));

/** An arrowhead: a triangle with its tip at (tx, ty), pointing along angle (degrees). */
const arrowhead = (tx: number, ty: number, angle: number, length: number, halfWidth: number): Shape => {
  const a = (angle * Math.PI) / 180;
  const [dx, dy] = [Math.cos(a), Math.sin(a)];
  const [bx, by] = [tx - dx * length, ty - dy * length];
  return polygon([
    [tx, ty],
    [bx - dy * halfWidth, by + dx * halfWidth],
    [bx + dy * halfWidth, by - dx * halfWidth],
  ]);
};

/** A stroked arc from a0 to a1 (degrees) with an arrowhead at a1, pointing the way it turns. */
const arcArrow = (cx: number, cy: number, r: number, width: number, a0: number, a1: number): Shape => {
  const end = (a1 * Math.PI) / 180;
  const [ex, ey] = [cx + r * Math.cos(end), cy + r * Math.sin(end)];
  // Increasing angle turns clockwise (y points down); the tangent is 90 degrees ahead.
  const [tx, ty] = [-Math.sin(end), Math.cos(end)];
  const length = width * 1.7;
  return union(arc(cx, cy, r, width, a0, a1), arrowhead(ex + tx * length * 0.8, ey + ty * length * 0.8, a1 + 90, length * 1.2, width * 1.4));
};

/** One step of a drawing: paint a shape in ink or an accent colour, or erase (cut a gap). */
type Layer = { shape: Shape; paint: 'ink' | 'accent' | 'knockout' } | { shape: Shape; erase: true };

export interface Palette {
  ink: Rgb;
  accent: Rgb;
  /** Text on the accent (the badge's count); absent → cut out, as a template needs. */
  knockout?: Rgb;
}

/** Renders layers at size × size pixels, several samples per pixel for smooth edges (fewer when large). */
export function rasterise(layers: readonly Layer[], size: number, palette: Palette, designSize = 16): Uint8Array {
  const samples = size >= 256 ? 3 : 8;
  const scale = designSize / size;
  const out = new Uint8Array(size * size * 4);
  for (let py = 0; py < size; py++) {
    for (let px = 0; px < size; px++) {
      let r = 0;
      let g = 0;
      let b = 0;
      let a = 0;
      for (let sy = 0; sy < samples; sy++) {
        for (let sx = 0; sx < samples; sx++) {
          const x = (px + (sx + 0.5) / samples) * scale;
          const y = (py + (sy + 0.5) / samples) * scale;
          let colour: Rgb | undefined;
          for (const layer of layers) {
            if (!layer.shape(x, y)) continue;
            colour = 'erase' in layer ? undefined : palette[layer.paint];
          }
          if (colour) {
            r += colour[0];
            g += colour[1];
            b += colour[2];
            a += 1;
          }
        }
      }
      const i = (py * size + px) * 4;
      if (a > 0) {
        out[i] = Math.round(r / a);
        out[i + 1] = Math.round(g / a);
        out[i + 2] = Math.round(b / a);
        out[i + 3] = Math.round((255 * a) / (samples * samples));
      }
    }
  }
  return out;
}

// ---------------------------------------------------------------------------------------------
// The six tray pictures. Distinct silhouettes, so they differ even in a monochrome template:
// a check, two chasing arrows, two bars, a cloud with a slash, a ring with a badge, a triangle.

export const TRAY_STATES = ['up-to-date', 'syncing', 'paused', 'offline', 'attention', 'error'] as const;
export type TrayState = (typeof TRAY_STATES)[number];

const cloud = union(disc(4.9, 9.6, 3), disc(9, 7.4, 4.3), disc(12.4, 10.2, 2.9), roundedRect(1.9, 9.4, 15.3, 13.6, 2.2));

/** How many pictures one turn of the syncing animation has; each turns the arrows further. */
export const SYNC_FRAMES = 6;

/**
 * The two chasing arrows turned by frame × 180 / SYNC_FRAMES degrees: the picture looks the same
 * after half a turn, so the frames loop seamlessly.
 */
function syncingFrame(frame: number): Layer[] {
  const turn = (frame * 180) / SYNC_FRAMES;
  return [
    { shape: arcArrow(8, 8, 5.2, 2, 200 + turn, 325 + turn), paint: 'ink' },
    { shape: arcArrow(8, 8, 5.2, 2, 20 + turn, 145 + turn), paint: 'ink' },
  ];
}

// A 3 × 5 pixel digit font ('#' = ink), so the badge's count stays legible at 16 px.
const DIGITS: Record<string, readonly string[]> = {
  '1': ['.#.', '##.', '.#.', '.#.', '###'],
  '2': ['##.', '..#', '.#.', '#..', '###'],
  '3': ['##.', '..#', '.#.', '..#', '##.'],
  '4': ['#.#', '#.#', '###', '..#', '..#'],
  '5': ['###', '#..', '##.', '..#', '##.'],
  '6': ['.##', '#..', '###', '#.#', '###'],
  '7': ['###', '..#', '.#.', '.#.', '.#.'],
  '8': ['###', '#.#', '###', '#.#', '###'],
  '9': ['###', '#.#', '###', '..#', '##.'],
  '+': ['...', '.#.', '###', '.#.', '...'],
};

/** Text in the pixel font with its top-left at (x, y) in the design grid, one column between glyphs. */
function pixelText(text: string, x: number, y: number): Shape {
  const cells: Shape[] = [];
  [...text].forEach((char, index) => {
    const glyph = DIGITS[char];
    if (!glyph) throw new Error(`no glyph for "${char}" in the badge font`);
    glyph.forEach((row, dy) =>
      [...row].forEach((cell, dx) => {
        const left = x + index * 4 + dx;
        if (cell === '#') cells.push((px, py) => px >= left && px < left + 1 && py >= y + dy && py < y + dy + 1);
      }),
    );
  });
  return union(...cells);
}

/** The counts the badge can show: 1–9, then "9+" for anything more. */
export const BADGE_COUNTS = ['1', '2', '3', '4', '5', '6', '7', '8', '9', '9plus'] as const;
export type BadgeCount = (typeof BADGE_COUNTS)[number];

/** The "needs you" bell, a little smaller and lower than the plain one, so a badge big enough for the count fits. */
function attentionWithCount(count: BadgeCount): Layer[] {
  const bell: Layer[] = [
    { shape: union(disc(6.2, 7.6, 4), rect(2.2, 7.6, 10.2, 11.4), roundedRect(0.8, 10.6, 11.6, 12.8, 1)), paint: 'ink' },
    { shape: disc(6.2, 13.8, 1.6), paint: 'ink' },
    { shape: disc(6.2, 3.2, 1.1), paint: 'ink' },
  ];
  if (count === '9plus') {
    // A pill wide enough for "9+" (7 px of text).
    return [
      ...bell,
      { shape: roundedRect(6, 0, 16, 9, 4.5), erase: true },
      { shape: roundedRect(7, 0.5, 16, 8.5, 4), paint: 'accent' },
      { shape: pixelText('9+', 8, 2), paint: 'knockout' },
    ];
  }
  return [
    ...bell,
    { shape: disc(12.5, 4.5, 4.5), erase: true },
    { shape: disc(12.5, 4.5, 3.6), paint: 'accent' },
    { shape: pixelText(count, 11, 2), paint: 'knockout' },
  ];
}

export const TRAY_DRAWINGS: Record<TrayState, readonly Layer[]> = {
  'up-to-date': [
    {
      shape: polyline(
        [
          [2.6, 8.6],
          [6.2, 12.2],
          [13.4, 4],
        ],
        2.3,
      ),
      paint: 'ink',
    },
  ],
  syncing: syncingFrame(0),
  paused: [
    // Whole-pixel edges at 16 px, so the bars stay crisp.
    { shape: roundedRect(3, 2.5, 6.5, 13.5, 0.8), paint: 'ink' },
    { shape: roundedRect(9.5, 2.5, 13, 13.5, 0.8), paint: 'ink' },
  ],
  offline: [
    { shape: cloud, paint: 'ink' },
    { shape: segment(1.4, 1.4, 14.6, 14.6, 4.4), erase: true },
    { shape: segment(2, 2, 14, 14, 1.8), paint: 'ink' },
  ],
  attention: [
    // A bell ("needs you") with a plain badge: macOS (count as title) and no count yet. The
    // counted bells for Windows and Linux are attentionWithCount, above.
    { shape: union(disc(7.2, 7.2, 4.2), rect(3, 7.2, 11.4, 11.2), roundedRect(1.6, 10.4, 12.8, 12.6, 1)), paint: 'ink' },
    { shape: disc(7.2, 13.6, 1.7), paint: 'ink' },
    { shape: disc(7.2, 2.6, 1.2), paint: 'ink' },
    { shape: disc(12.4, 3.6, 3.8), erase: true },
    { shape: disc(12.4, 3.6, 2.8), paint: 'accent' },
  ],
  error: [
    {
      shape: union(
        polygon([
          [8, 1.4],
          [15.2, 14.2],
          [0.8, 14.2],
        ]),
        polyline(
          [
            [8, 1.6],
            [15, 14],
            [1, 14],
            [8, 1.6],
          ],
          1.4,
        ),
      ),
      paint: 'accent',
    },
    { shape: segment(8, 5.4, 8, 8.4, 2), erase: true },
    { shape: disc(8, 12.2, 1.1), erase: true },
  ],
};

const INK_ON_LIGHT: Rgb = [0x1f, 0x29, 0x37];
const INK_ON_DARK: Rgb = [0xf3, 0xf4, 0xf6];
const BLACK: Rgb = [0, 0, 0];
const AMBER: Rgb = [0xf5, 0x9e, 0x0b];

/** Ink and accent for each variant; the template is all black (macOS keeps only the alpha). */
export const PALETTES = {
  onlight: (state: TrayState): Palette => ({ ink: INK_ON_LIGHT, accent: state === 'error' ? [0xdc, 0x26, 0x26] : AMBER, knockout: INK_ON_LIGHT }),
  ondark: (state: TrayState): Palette => ({ ink: INK_ON_DARK, accent: state === 'error' ? [0xf8, 0x71, 0x71] : AMBER, knockout: INK_ON_LIGHT }),
  // The badge's count in dark ink on amber reads on both bars; the template cuts it out instead.
  Template: (): Palette => ({ ink: BLACK, accent: BLACK }),
} as const;

export type IconVariant = keyof typeof PALETTES;

/** detail: a syncing frame ("f1"…) or a badge count ("3", "9plus"); none for the plain picture. */
export function trayIconName(state: TrayState, variant: IconVariant, scale: 1 | 2, detail = ''): string {
  const suffix = scale === 2 ? '@2x' : '';
  const name = detail ? `${state}-${detail}` : state;
  return variant === 'Template' ? `tray-${name}Template${suffix}.png` : `tray-${name}-${variant}${suffix}.png`;
}

/** Every picture: the six states, the further syncing frames, and the counted "needs you" bells. */
function allDrawings(): { state: TrayState; detail: string; layers: readonly Layer[] }[] {
  return [
    ...TRAY_STATES.map((state) => ({ state, detail: '', layers: TRAY_DRAWINGS[state] })),
    ...Array.from({ length: SYNC_FRAMES - 1 }, (_, i) => ({ state: 'syncing' as const, detail: `f${i + 1}`, layers: syncingFrame(i + 1) })),
    ...BADGE_COUNTS.map((count) => ({ state: 'attention' as const, detail: count, layers: attentionWithCount(count) })),
  ];
}

/** Every tray icon: file name (under assets/tray/) → PNG bytes. */
export function drawTrayIcons(): Map<string, Buffer> {
  const files = new Map<string, Buffer>();
  for (const { state, detail, layers } of allDrawings()) {
    for (const variant of Object.keys(PALETTES) as IconVariant[]) {
      for (const scale of [1, 2] as const) {
        const size = 16 * scale;
        files.set(trayIconName(state, variant, scale, detail), encodePng(size, size, rasterise(layers, size, PALETTES[variant](state))));
      }
    }
  }
  return files;
}

/** The app icon (installers, docks, window lists): two linked rings on a blue tile, 512 px. */
export function drawAppIcon(): Buffer {
  const layers: Layer[] = [
    { shape: roundedRect(0.6, 0.6, 15.4, 15.4, 3.4), paint: 'accent' },
    { shape: ring(6.1, 8, 3.3, 1.3), paint: 'ink' },
    { shape: ring(9.9, 8, 3.3, 1.3), paint: 'ink' },
  ];
  return encodePng(512, 512, rasterise(layers, 512, { ink: [0xff, 0xff, 0xff], accent: [0x25, 0x63, 0xeb] }));
}

if (import.meta.main) {
  const assets = new URL('../assets/', import.meta.url).pathname;
  mkdirSync(join(assets, 'tray'), { recursive: true });
  const icons = drawTrayIcons();
  for (const [name, png] of icons) writeFileSync(join(assets, 'tray', name), png);
  writeFileSync(join(assets, 'icon.png'), drawAppIcon());
  process.stdout.write(`Wrote ${icons.size} tray icons to assets/tray/ and assets/icon.png.\n`);
}
