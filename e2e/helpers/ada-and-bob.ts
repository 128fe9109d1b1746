// The world most e2e tests share: Chromium, a real server with its test apps (AppWorld), and the
// real `tandem ui` as Ada's laptop, with a scratch folder; torn down after the file, and every open
// page photographed when a test fails. `adaJoinsBob` then does what a person with two computers
// does: Bob's desktop syncs some files first, and Ada sets up her laptop through the wizard.
import { mkdtemp, rm, stat } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Browser, Page } from 'playwright-core';
import { afterAll, afterEach, beforeAll } from 'vitest';
import { AppWorld, type TestApp } from '../../integration/app/app-harness.ts';
import { ARTIFACTS_DIR, launchChromium } from './chromium.ts';
import { eventually, PageSet, type PageOptions } from './pages.ts';
import { setUpThroughWizard } from './setup.ts';
import { startTandemUi, type TandemUi } from './tandem-ui.ts';

export interface E2eWorld {
  readonly browser: Browser;
  readonly world: AppWorld;
  readonly ui: TandemUi;
  readonly scratch: string;
  readonly pages: PageSet;
}

/** Registers the file's hooks; the fields are there once `beforeAll` has run. `label` names the scratch folder and failure screenshots. */
export function useE2eWorld(label: string): E2eWorld {
  const state: { -readonly [K in keyof E2eWorld]?: E2eWorld[K] } = {};
  const pages = new PageSet(() => state.browser!);
  const field = <K extends keyof E2eWorld>(key: K): E2eWorld[K] => {
    const value = state[key];
    if (value === undefined) throw new Error(`The e2e world has no ${key} before beforeAll has run.`);
    return value as E2eWorld[K];
  };

  beforeAll(async () => {
    state.browser = await launchChromium();
    state.world = await AppWorld.start();
    state.ui = await startTandemUi();
    state.scratch = await mkdtemp(join(tmpdir(), `tandem-e2e-${label}-`));
  });

  afterEach(async (context) => {
    if (context.task.result?.state === 'fail') await pages.screenshotAll((i) => join(ARTIFACTS_DIR, `${label}-failed-${i}.png`));
  });

  afterAll(async () => {
    await pages.closeAll();
    await state.ui?.stop();
    await state.world?.close();
    await state.browser?.close();
    if (state.scratch) await rm(state.scratch, { recursive: true, force: true });
  });

  return {
    get browser() {
      return field('browser');
    },
    get world() {
      return field('world');
    },
    get ui() {
      return field('ui');
    },
    get scratch() {
      return field('scratch');
    },
    pages,
  };
}

export interface AdaAndBob {
  /** Bob's desktop: a second engine on the same account. */
  bob: TestApp;
  /** Ada's laptop: the page of `tandem ui`, set up through the wizard. */
  page: Page;
  /** Ada's synced folder on disk. */
  folder: string;
}

/** Bob syncs `bobFiles` (path → text) first; then Ada signs in through the wizard and waits until she has them all. */
export async function adaJoinsBob(e2e: E2eWorld, bobFiles: Record<string, string>, viewport: PageOptions = { width: 900, height: 760 }): Promise<AdaAndBob> {
  const folder = join(e2e.scratch, 'Tandem');
  const user = await e2e.world.user();
  const bob = await e2e.world.app('Bob desktop');
  await bob.setUp(e2e.world.server.url, user);
  for (const [path, text] of Object.entries(bobFiles)) await bob.write(path, text);
  await bob.sync();
  const page = await e2e.pages.open(e2e.ui.url, viewport);
  await setUpThroughWizard(page, { server: e2e.world.server.url, user: user.name, password: user.password, folder, deviceName: 'Ada laptop' });
  await eventually("Ada has Bob's files", async () => {
    for (const path of Object.keys(bobFiles)) if (!(await exists(join(folder, path)))) return false;
    return true;
  });
  return { bob, page, folder };
}

export const exists = (path: string): Promise<boolean> =>
  stat(path).then(
    () => true,
    () => false,
  );
