// What a local filesystem can hold, as PURE policies for Linux, macOS and Windows (issue 4), so a
// Linux machine can play the others (`tandem sync --fs-policy windows|macos|linux`) and every
// platform's rules are tested here. A policy answers three questions the planner asks
// (PlanOptions.canHoldName / whyCannotHold / localNameKey) plus the scanner's: is a raw disk name
// usable at all (#29), and which disk names are the same item (#25, #26).
//
// Names in the engine's trees are NFC (DESIGN.md); the policy judges those names, never raw bytes,
// except in decodeDiskName. A name it refuses is skipped and reported, never renamed or truncated.

import { nameKey } from '../../../src-shared/names.ts';
import type { PlanOptions } from '../planner/operations.ts';
import { checkLinuxName } from './linux.ts';
import { checkMacosName } from './macos.ts';
import { checkWindowsName } from './windows.ts';
import { printable, refuse } from './verdict.ts';
import type { FsPolicyOptions, NameVerdict } from './verdict.ts';

export type { FsPolicyOptions, HoldProblem, NameVerdict } from './verdict.ts';

export type PolicyPlatform = 'linux' | 'macos' | 'windows';

export const POLICY_PLATFORMS: readonly PolicyPlatform[] = ['linux', 'macos', 'windows'];

export interface FsPolicy {
  readonly platform: PolicyPlatform;
  readonly caseSensitive: boolean;
  /** Can this disk hold `name` inside `parentPath` (slash-separated, relative to the synced folder)? */
  readonly canHoldName: (parentPath: string, name: string) => boolean;
  /** Why not, as a clause with the fix (the planner wraps it in a sentence); '' when it can. */
  readonly whyCannotHold: (parentPath: string, name: string) => string;
  readonly check: (parentPath: string, name: string) => NameVerdict;
  /**
   * The key two names in one folder land on the same file by: NFC everywhere (tree names are NFC,
   * and two names with one NFC form are one item, #25), plus case folding on case-insensitive
   * disks (foldedNameKey), which is at least as coarse as NTFS's and APFS's, so two names this
   * key keeps apart never share a file (invariant 8).
   */
  readonly localNameKey: (name: string) => string;
  /**
   * Whether files here carry an executable bit (not on Windows: there the bit reads as off for
   * every file, which says nothing about what the user wants, SCENARIOS #52).
   */
  readonly execBits: boolean;
}

export function policyFor(platform: PolicyPlatform, options: FsPolicyOptions = {}): FsPolicy {
  const caseSensitive = platform === 'linux' || (platform === 'macos' && options.caseSensitive === true);
  const platformCheck = platform === 'windows' ? checkWindowsName : platform === 'macos' ? checkMacosName : checkLinuxName;
  const check = (parentPath: string, name: string): NameVerdict => {
    const basic = checkBasicName(name);
    if (!basic.ok) return basic;
    return platformCheck({ rootPath: options.rootPath ?? '', parentPath, name, options });
  };
  return {
    platform,
    caseSensitive,
    check,
    canHoldName: (parentPath, name) => check(parentPath, name).ok,
    whyCannotHold: (parentPath, name) => {
      const verdict = check(parentPath, name);
      return verdict.ok ? '' : verdict.reason;
    },
    localNameKey: caseSensitive ? (name) => name.normalize('NFC') : foldedNameKey,
    execBits: platform !== 'windows',
  };
}

/**
 * The case-insensitive key: the server's nameKey (upper then lower case, NFC) repeated until it
 * stops changing. Once is not enough for a disk that folds fully, as APFS does: "ẞ" keys to "ß"
 * but "ß" to "ss", so "ẞx" and "ssx" are two names on the server and one file on such a disk.
 * Coarser than nameKey, never finer, so anything the server keeps apart and this key merges is
 * skipped and reported rather than written over.
 */
export function foldedNameKey(name: string): string {
  let key = nameKey(name);
  for (let i = 0; i < 4; i++) {
    const next = nameKey(key);
    if (next === key) break;
    key = next;
  }
  return key;
}

/** The policy's answers in the shape the planner takes them. */
export function planOptionsFor(policy: FsPolicy): Required<Pick<PlanOptions, 'canHoldName' | 'whyCannotHold' | 'localNameKey' | 'localExecBits'>> {
  return { canHoldName: policy.canHoldName, whyCannotHold: policy.whyCannotHold, localNameKey: policy.localNameKey, localExecBits: policy.execBits };
}

/** The policy name for a Node `process.platform` value (what `--fs-policy` defaults to). */
export function platformPolicyName(nodePlatform: string): PolicyPlatform {
  if (nodePlatform === 'win32') return 'windows';
  if (nodePlatform === 'darwin') return 'macos';
  return 'linux';
}

/** Reads a `--fs-policy` value; anything else is a one-line usage error. */
export function parsePolicyPlatform(value: string): PolicyPlatform {
  if ((POLICY_PLATFORMS as readonly string[]).includes(value)) return value as PolicyPlatform;
  throw new Error(`Unknown filesystem policy "${value}": use linux, macos or windows.`);
}

/** What no filesystem of ours can hold, whatever the platform. */
function checkBasicName(name: string): NameVerdict {
  if (name === '' || name === '.' || name === '..') {
    return refuse('invalid_name', `"${name}" is not a usable file name on any disk; rename it on the server`);
  }
  if (name.includes('/') || name.includes('\0')) {
    return refuse('invalid_name', `the name "${printable(name)}" contains "/" or NUL, which no disk can hold; rename it on the server`);
  }
  return { ok: true };
}
