// Sets up a fresh `tandem ui` the way a person does: through the first-run wizard in the page,
// signing in to `server` and syncing `folder` with everything on the server.
import type { Page } from 'playwright-core';

export async function setUpThroughWizard(page: Page, options: { server: string; user: string; password: string; folder: string; deviceName: string }): Promise<void> {
  await page.getByRole('button', { name: 'Set up Tandem…' }).click();
  const wizard = page.getByRole('dialog', { name: 'Set up Tandem' });
  await wizard.getByRole('button', { name: 'Continue' }).click();
  await wizard.getByLabel('Server address').fill(options.server);
  await wizard.getByLabel('User name').fill(options.user);
  await wizard.getByLabel('Password').fill(options.password);
  await wizard.getByLabel("This computer's name").fill(options.deviceName);
  await wizard.getByRole('button', { name: 'Sign in' }).click();
  await wizard.getByLabel('Folder on this computer').fill(options.folder);
  await wizard.getByRole('button', { name: 'Continue' }).click();
  await wizard.getByText('Choose what to sync').waitFor();
  await wizard.getByRole('button', { name: 'Start syncing' }).and(page.locator(':not([disabled])')).click();
  await wizard.getByRole('button', { name: 'Done' }).click();
  await page.getByRole('button', { name: 'Preferences' }).waitFor();
}
