// Pages for the e2e tests: a fresh browser context per page, with console errors and uncaught
// exceptions collected (a CSP violation or a React error shows up there).
import type { Browser, Page } from 'playwright-core';

export interface PageOptions {
  width?: number;
  height?: number;
  colorScheme?: 'light' | 'dark';
}

export class PageSet {
  readonly problems: string[] = [];
  readonly #pages: Page[] = [];
  readonly #browser: () => Browser;

  constructor(browser: () => Browser) {
    this.#browser = browser;
  }

  async open(url: string, options: PageOptions = {}): Promise<Page> {
    const context = await this.#browser().newContext({ viewport: { width: options.width ?? 420, height: options.height ?? 640 }, colorScheme: options.colorScheme ?? 'light' });
    context.setDefaultTimeout(60_000);
    const page = await context.newPage();
    this.#pages.push(page);
    page.on('console', (message) => {
      if (message.type() === 'error') this.problems.push(`console: ${message.text()}`);
    });
    page.on('pageerror', (error) => this.problems.push(`page error: ${error.message}`));
    await page.goto(url);
    return page;
  }

  /** A screenshot of every open page, for a test that failed half-way. */
  async screenshotAll(path: (index: number) => string): Promise<void> {
    for (const [index, page] of this.#pages.entries()) await page.screenshot({ path: path(index) }).catch(() => undefined);
  }

  async closeAll(): Promise<void> {
    for (const page of this.#pages.splice(0)) await page.context().close();
    this.problems.length = 0;
  }
}

/** Polls `check` until it returns true (end-to-end results arrive when the engines get to them). */
export async function eventually(what: string, check: () => Promise<boolean>, timeoutMs = 90_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    if (await check().catch(() => false)) return;
    if (Date.now() > deadline) throw new Error(`Timed out waiting until ${what}.`);
    await new Promise((resolve) => setTimeout(resolve, 500));
  }
}
