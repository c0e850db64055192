// Signs in through real Chromium: the test client hosted in Lattice's web-client slot, the
// emulated Nextcloud's login and consent forms, Lattice's callback, and the token login.
import assert from 'node:assert/strict';
import { existsSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { chromium, type BrowserContext } from 'playwright-core';
import { NextcloudEmulator, type NewUser } from '../support/nextcloud-emulator.js';
import { freePort, TestServer } from '../support/server.js';
import { writeClientPage } from './client-page.js';
import { nextcloudFrontendScript } from './nextcloud-frontend.js';

const CHROMIUM_PATH = '/usr/bin/chromium';
const CHROMIUM_ARGS = [
  '--headless', '--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run',
  '--disable-background-networking', '--disable-component-update', '--disable-sync',
];
const ERIN: NewUser = { id: 'erin', password: 'erin-password-1', displayName: 'Erin' };

const missingChromium = existsSync(CHROMIUM_PATH) ? undefined : `${CHROMIUM_PATH} is missing; install Debian's chromium package to run the browser test.`;

if (missingChromium !== undefined && process.env.CI === 'true') {
  describe('browser sign-in', () => {
    it('needs Chromium in CI', () => assert.fail(missingChromium));
  });
} else {
  describe('browser sign-in', { skip: missingChromium }, () => {
    let emulator: NextcloudEmulator;
    let server: TestServer;
    let context: BrowserContext;
    let clientFolder: string;
    let userDataDir: string;
    const artifacts = mkdtempSync(join(tmpdir(), 'lattice-browser-artifacts-'));

    before(async () => {
      emulator = await NextcloudEmulator.start();
      emulator.addUser(ERIN);
      clientFolder = writeClientPage();
      const port = await freePort();
      const client = emulator.addClient({ name: 'Lattice', redirectUri: `http://127.0.0.1:${port}/_synapse/client/oidc/callback` });
      server = await TestServer.start({
        port,
        config: {
          web_client: { path: clientFolder },
          sso: { providers: [{ id: 'nextcloud', type: 'nextcloud', url: emulator.baseUrl, client_id: client.clientId, client_secret: client.clientSecret }] },
        },
      });
      // A fresh profile each run, so no cookie or cache of an earlier run takes part.
      userDataDir = mkdtempSync(join(tmpdir(), 'lattice-chromium-profile-'));
      context = await chromium.launchPersistentContext(userDataDir, {
        executablePath: CHROMIUM_PATH,
        headless: true,
        args: CHROMIUM_ARGS,
      });
      await context.addInitScript({ content: nextcloudFrontendScript(emulator.baseUrl) });
    });

    after(async () => {
      await context?.close();
      await server?.dispose();
      await emulator?.stop();
      rmSync(userDataDir, { recursive: true, force: true });
      rmSync(clientFolder, { recursive: true, force: true });
    });

    it('signs in through Nextcloud', async (t) => {
      const page = context.pages()[0] ?? (await context.newPage());
      // On failure, the page where the browser stopped explains more than a timeout does.
      t.after(async () => {
        if (page.url().includes('loginToken=')) return;
        const stopped = join(artifacts, 'stopped.png');
        await page.screenshot({ path: stopped, fullPage: true }).catch(() => undefined);
        console.log(`browser stopped at ${page.url()}; screenshot: ${stopped}\n${await page.content().catch(() => '')}`);
      });
      await page.goto(`${server.baseUrl}/`);
      await page.getByRole('link', { name: 'Sign in' }).click();

      // Nextcloud's "Connect to your account" page, then its login form.
      await page.waitForURL((url) => url.origin === emulator.baseUrl && url.pathname === '/index.php/login/flow');
      await page.getByRole('link', { name: 'Log in' }).click();
      await page.waitForURL((url) => url.pathname === '/index.php/login');
      await page.getByLabel('Account name or email').fill(ERIN.id);
      await page.getByLabel('Password').fill(ERIN.password);
      await page.getByRole('button', { name: 'Log in' }).click();

      // The consent page; granting sends the browser through Lattice's callback back to the client.
      await page.waitForURL((url) => url.pathname === '/index.php/login/flow/grant');
      await page.getByRole('button', { name: 'Grant access' }).click();
      await page.waitForURL((url) => url.origin === server.baseUrl && url.searchParams.has('loginToken'));

      const userId = page.locator('#user-id');
      await userId.filter({ hasText: '@erin:localhost' }).waitFor();
      assert.equal(await userId.textContent(), '@erin:localhost');
      assert.equal(await page.locator('#error').textContent(), '');

      const screenshot = join(artifacts, 'signed-in.png');
      await page.screenshot({ path: screenshot, fullPage: true });
      console.log(`browser sign-in screenshot: ${screenshot}`);
      assert.ok(existsSync(screenshot));
    });
  });
}
