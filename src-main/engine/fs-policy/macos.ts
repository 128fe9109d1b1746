// macOS (APFS, and HFS+ on older volumes): any name but "/" and NUL at the POSIX layer (":" is
// allowed there; Finder shows it as "/"). Names are stored or compared in decomposed form (HFS+
// stores NFD, APFS is normalization-insensitive), so limits are measured on the NFD form, the
// longer one: at most 255 UTF-8 bytes per name (APFS) and 255 UTF-16 units (HFS+), and a whole
// path below PATH_MAX (1024 bytes with its NUL). Case-insensitive unless the volume says otherwise
// (the policy's caseSensitive option); that part lives in policy.ts's localNameKey.

import { utf8Length } from '../../../src-shared/names.ts';
import { joinRelative, refuse } from './verdict.ts';
import type { NameContext, NameVerdict } from './verdict.ts';

export const MACOS_MAX_NAME_BYTES = 255;
export const MACOS_MAX_PATH_BYTES = 1023;

export function checkMacosName(context: NameContext): NameVerdict {
  const decomposed = context.name.normalize('NFD');
  const bytes = utf8Length(decomposed);
  if (bytes > MACOS_MAX_NAME_BYTES || decomposed.length > MACOS_MAX_NAME_BYTES) {
    return refuse(
      'name_too_long',
      `the name takes ${bytes} bytes as macOS stores it (decomposed) and macOS allows ${MACOS_MAX_NAME_BYTES}; shorten it on another device`,
    );
  }
  const full = posixFullPath(context.rootPath, joinRelative(context.parentPath, context.name)).normalize('NFD');
  const pathBytes = utf8Length(full);
  if (pathBytes > MACOS_MAX_PATH_BYTES) {
    return refuse(
      'path_too_long',
      `its full path would take ${pathBytes} bytes and macOS allows ${MACOS_MAX_PATH_BYTES}; move it to a shallower folder on another device (Tandem never shortens names)`,
    );
  }
  return { ok: true };
}

/** Root and relative path joined with "/". */
export function posixFullPath(rootPath: string, relative: string): string {
  if (rootPath === '') return relative;
  return rootPath.endsWith('/') ? rootPath + relative : `${rootPath}/${relative}`;
}
