// Linux (ext4, btrfs, xfs…): any bytes but "/" and NUL, case-sensitive, no normalization. Limits:
// 255 bytes per name (NAME_MAX) and 4,095 per path (PATH_MAX 4096 with its NUL). Names must also
// be valid UTF-8 to sync at all (#29); that is judged on raw disk names, in disk-names.ts.

import { utf8Length } from '../../../src-shared/names.ts';
import { posixFullPath } from './macos.ts';
import { joinRelative, refuse } from './verdict.ts';
import type { NameContext, NameVerdict } from './verdict.ts';

export const LINUX_MAX_NAME_BYTES = 255;
export const LINUX_MAX_PATH_BYTES = 4095;

export function checkLinuxName(context: NameContext): NameVerdict {
  const bytes = utf8Length(context.name);
  if (bytes > LINUX_MAX_NAME_BYTES) {
    return refuse('name_too_long', `the name is ${bytes} bytes long and Linux allows ${LINUX_MAX_NAME_BYTES}; shorten it on another device`);
  }
  const pathBytes = utf8Length(posixFullPath(context.rootPath, joinRelative(context.parentPath, context.name)));
  if (pathBytes > LINUX_MAX_PATH_BYTES) {
    return refuse(
      'path_too_long',
      `its full path would be ${pathBytes} bytes and Linux allows ${LINUX_MAX_PATH_BYTES}; move it to a shallower folder on another device (Tandem never shortens names)`,
    );
  }
  return { ok: true };
}
