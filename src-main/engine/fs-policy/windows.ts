// Windows (NTFS through the Win32 API): what a name may not be. Win32 forbids < > : " / \ | ? *
// and U+0000–U+001F, silently drops a trailing dot or space (so "a." would become "a"), reserves
// device names (CON, PRN, AUX, NUL, COM0–9, LPT0–9, the superscript COM¹²³/LPT¹²³, CONIN$,
// CONOUT$) even with an extension ("aux.md", "nul.txt.jpg"), caps a name at 255 UTF-16 units and,
// unless long paths are enabled, a whole path at 259 characters (MAX_PATH 260 with its NUL).
// Source: Microsoft's "Naming Files, Paths, and Namespaces".

import { joinRelative, printable, refuse } from './verdict.ts';
import type { NameContext, NameVerdict } from './verdict.ts';

/** MAX_PATH is 260 including the terminating NUL. */
export const WINDOWS_MAX_PATH = 259;
/** With LongPathsEnabled, paths may reach 32,767 UTF-16 units. */
export const WINDOWS_MAX_LONG_PATH = 32_767;
export const WINDOWS_MAX_NAME = 255;

const FORBIDDEN = /[<>:"\\|?*]/u;
// eslint-disable-next-line no-control-regex -- control characters are exactly what this finds
const CONTROL = /[\u0001-\u001f]/u;
const RESERVED = /^(CON|PRN|AUX|NUL|CONIN\$|CONOUT\$|COM[0-9¹²³]|LPT[0-9¹²³])$/iu;

export function checkWindowsName(context: NameContext): NameVerdict {
  const { name } = context;
  const forbidden = FORBIDDEN.exec(name);
  if (forbidden) {
    return refuse(
      'forbidden_character',
      `Windows does not allow "${forbidden[0]}" in names ("${printable(name)}"); rename it on another device without < > : " \\ | ? *`,
    );
  }
  if (CONTROL.test(name)) {
    return refuse('control_character', `the name "${printable(name)}" contains a control character, which Windows does not allow; rename it on another device`);
  }
  if (name.endsWith('.') || name.endsWith(' ')) {
    const what = name.endsWith('.') ? 'dot' : 'space';
    return refuse(
      'trailing_dot_or_space',
      `Windows drops the trailing ${what} of "${printable(name)}", so it would become another file; rename it on another device without the trailing ${what}`,
    );
  }
  const device = reservedDeviceName(name);
  if (device !== undefined) {
    const rest = name.slice(name.indexOf('.') === -1 ? name.length : name.indexOf('.'));
    return refuse(
      'reserved_name',
      `Windows reserves "${device}" for a device, with any extension ("${printable(name)}"); rename it on another device, for example to "${device}_${rest}"`,
    );
  }
  if (name.length > WINDOWS_MAX_NAME) {
    return refuse('name_too_long', `the name is ${name.length} characters long and Windows allows ${WINDOWS_MAX_NAME}; shorten it on another device`);
  }
  const full = windowsFullPath(context.rootPath, context.parentPath, name);
  const limit = context.options.longPaths === true ? WINDOWS_MAX_LONG_PATH : WINDOWS_MAX_PATH;
  if (full.length > limit) {
    const fix =
      context.options.longPaths === true
        ? 'move it to a shallower folder on another device'
        : 'turn on long paths in Windows, or move it to a shallower folder on another device';
    return refuse(
      'path_too_long',
      `its full path would be ${full.length} characters and Windows allows ${limit}${context.options.longPaths === true ? '' : ' without long paths'}; ${fix} (Tandem never shortens names)`,
    );
  }
  return { ok: true };
}

/** The device name a file name is reserved as ("aux.md" → "aux"), or undefined. */
export function reservedDeviceName(name: string): string | undefined {
  const dot = name.indexOf('.');
  // Win32 ignores spaces between the device name and the extension ("NUL .txt" is NUL too).
  const base = (dot === -1 ? name : name.slice(0, dot)).replace(/ +$/u, '');
  return RESERVED.test(base) ? base : undefined;
}

/** The path Win32 is handed: root, then the relative path with backslashes. */
export function windowsFullPath(rootPath: string, parentPath: string, name: string): string {
  const relative = joinRelative(parentPath, name).replaceAll('/', '\\');
  if (rootPath === '') return relative;
  return rootPath.endsWith('\\') || rootPath.endsWith('/') ? rootPath + relative : `${rootPath}\\${relative}`;
}
