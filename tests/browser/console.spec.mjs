// The console's web UI in headless Chromium (issue 13, "Browser"), run by
// tests/system/test_console_browser.py, which starts `mxkit serve` and checks DNS afterwards.
//
//   CONSOLE_URL=http://127.0.0.1:PORT API_KEY=... ZONE=example.test. OUTPUT_DIR=dir \
//     node tests/browser/console.spec.mjs
//
// Prints one JSON line on stdout with what the Python side checks next (the saved records);
// any failed assertion exits non-zero with the step that failed.
import assert from 'node:assert/strict';
import { mkdirSync } from 'node:fs';
import { join } from 'node:path';
import { chromium } from 'playwright-core';

const url = process.env.CONSOLE_URL;
const apiKey = process.env.API_KEY;
const zone = process.env.ZONE || 'example.test.';
const outputDir = process.env.OUTPUT_DIR || 'build/test-output';
assert.ok(url && apiKey, 'CONSOLE_URL and API_KEY must be set');
mkdirSync(outputDir, { recursive: true });

const bare = zone.replace(/\.$/, '');
const hostile = '<img src=x onerror=window.__xss=1>';
let step = 'start';
const log = (s) => { step = s; process.stderr.write(`browser: ${s}\n`); };

const browser = await chromium.launch({
  executablePath: process.env.CHROMIUM || '/usr/bin/chromium',
  args: ['--no-sandbox', '--disable-gpu'],
});
const result = {};
let page = null;
try {
  const context = await browser.newContext({ viewport: { width: 1280, height: 900 } });
  page = await context.newPage();
  page.setDefaultTimeout(10000);
  const pageErrors = [];
  page.on('pageerror', (e) => pageErrors.push(String(e)));
  page.on('console', (m) => { if (m.type() === 'error') pageErrors.push(m.text()); });

  log('security headers on the page');
  const response = await page.goto(url + '/');
  const headers = response.headers();
  assert.match(headers['content-security-policy'] || '', /script-src 'self'/);
  assert.doesNotMatch(headers['content-security-policy'], /unsafe-inline/);
  assert.equal(headers['x-content-type-options'], 'nosniff');

  log('a wrong key is refused next to the field');
  await page.locator('#login-key').fill('not-the-key');
  await page.locator('#login-form button[type=submit]').click();
  await page.locator('#login-key-error').waitFor({ state: 'visible' });
  assert.equal(await page.locator('#login-key').getAttribute('aria-invalid'), 'true');

  log('log in');
  await page.locator('#login-key').fill(apiKey);
  await page.locator('#login-form button[type=submit]').click();
  await page.locator('#zones-view').waitFor({ state: 'visible' });

  log('the session cookie is HttpOnly and SameSite=Strict');
  const cookie = (await context.cookies()).find((c) => c.name === 'mxkit_session');
  assert.ok(cookie, 'no mxkit_session cookie');
  assert.equal(cookie.httpOnly, true);
  assert.equal(cookie.sameSite, 'Strict');
  assert.equal(cookie.path, '/');
  assert.ok(!(await page.evaluate(() => document.cookie)).includes('mxkit_session'),
    'a script can read the session cookie');

  log('create the zone');
  await page.locator('#zone-name').fill(bare);
  await page.locator('#zone-ns').fill('ns1.example.net.');
  await page.locator('#zone-create-form button[type=submit]').click();
  await page.locator('#zone-view').waitFor({ state: 'visible' });
  await page.locator('#records-table tbody tr').first().waitFor();

  // The form, filled by pointer; the keyboard pass comes later.
  async function fillRecord({ name, ttl, type, priority, value }) {
    await page.locator('#record-name').fill(name);
    await page.locator('#record-ttl').fill(String(ttl));
    await page.locator('#record-type').selectOption(type);
    if (priority !== undefined) await page.locator('#record-priority').fill(String(priority));
    await page.locator('#record-value').fill(value);
  }
  async function previewAndSave(expectRow) {
    await page.locator('#record-preview').click();
    await page.locator('#preview').waitFor({ state: 'visible' });
    assert.ok((await page.locator('#preview-table').textContent()).includes(expectRow.value),
      'the preview does not show the new record');
    await page.locator('#record-save').click();
    await page.locator('#records-table tbody td.value', { hasText: expectRow.value }).first().waitFor();
  }

  log('an address for the MX target');
  await fillRecord({ name: `mail.${zone}`, ttl: 3600, type: 'A', value: '192.0.2.25' });
  await previewAndSave({ value: '192.0.2.25' });

  log('an MX whose value is an IP address is refused next to the value field');
  await fillRecord({ name: zone, ttl: 3600, type: 'MX', priority: 10, value: '192.0.2.25' });
  await page.locator('#record-preview').click();
  const valueError = page.locator('#record-value-error');
  await valueError.waitFor({ state: 'visible' });
  assert.ok((await valueError.textContent()).trim().length > 0);
  assert.equal(await page.locator('#record-value').getAttribute('aria-invalid'), 'true');
  assert.equal(await page.locator('#preview').isVisible(), false, 'a refused change was previewed');
  await page.screenshot({ path: join(outputDir, 'console-mx-error.png'), fullPage: true });

  log('fix it, preview, save');
  await page.locator('#record-value').fill(`mail.${zone}`);
  await previewAndSave({ value: `mail.${zone}` });
  const mxRow = page.locator('#records-table tbody tr', { hasText: `mail.${zone}` })
    .filter({ has: page.locator('td', { hasText: /^MX$/ }) });
  // The table is drawn again once the save's reload answers; a row read in between can mix
  // cells of the old and the new table, so read until it settles (5 s at most).
  const expectedMx = [zone, '3600', 'MX', '10', `mail.${zone}`];
  let mxCells = [];
  for (const until = Date.now() + 5000; Date.now() < until;) {
    mxCells = (await mxRow.locator('td').allTextContents()).slice(0, 5);
    if ((await mxRow.count()) === 1 && JSON.stringify(mxCells) === JSON.stringify(expectedMx)) break;
    await page.waitForTimeout(100);
  }
  assert.equal(await mxRow.count(), 1);
  assert.deepEqual(mxCells, expectedMx);
  await page.locator('#records-table').screenshot({ path: join(outputDir, 'console-records.png') });
  result.mx = { name: zone, priority: 10, exchange: `mail.${zone}` };

  log('a hostile TXT value shows as text');
  await fillRecord({ name: `note.${zone}`, ttl: 300, type: 'TXT', value: `"${hostile}"` });
  await page.locator('#record-preview').click();
  await page.locator('#preview').waitFor({ state: 'visible' });
  assert.equal(await page.locator('#preview img').count(), 0);
  await page.locator('#record-save').click();
  const txtCell = page.locator('#records-table td.value', { hasText: '<img' });
  await txtCell.first().waitFor();
  assert.ok((await txtCell.first().textContent()).includes(hostile));
  assert.equal(await page.locator('#records-table img').count(), 0, 'the value became markup');
  assert.equal(await page.evaluate(() => window.__xss), undefined, 'the onerror handler ran');

  log('a write without the CSRF token is 403');
  const zonePath = `/api/v1/zones/${encodeURIComponent(zone)}/records`;
  const csrf = await page.evaluate(async (path) => {
    const body = JSON.stringify({ name: 'csrf.' + path, ttl: 60, type: 'A', value: '192.0.2.1' });
    const post = (headers) => fetch(path, { method: 'POST', credentials: 'same-origin',
      headers: { 'Content-Type': 'application/json', ...headers }, body }).then((r) => r.status);
    return { none: await post({}), wrong: await post({ 'X-CSRF-Token': 'f'.repeat(64) }),
      read: await fetch(path, { credentials: 'same-origin' }).then((r) => r.status) };
  }, zonePath);
  assert.deepEqual(csrf, { none: 403, wrong: 403, read: 200 });

  log('the Test button shows the report');
  await page.locator('#check-run').click();
  await page.locator('#check-report').waitFor({ state: 'visible', timeout: 30000 });
  assert.match(await page.locator('#check-summary').textContent(), /finding/);
  await page.locator('#check-report').screenshot({ path: join(outputDir, 'console-report.png') });
  result.check_findings = await page.locator('#check-findings li').count();

  log('keyboard only: Tab and Enter through the add form');
  await page.locator('#record-cancel').click();
  await page.evaluate(() => { document.activeElement.blur(); window.scrollTo(0, 0); });
  await page.keyboard.press('Tab');
  const tabTo = async (id) => {
    for (let i = 0; i < 80; i++) {
      if (await page.evaluate(() => document.activeElement && document.activeElement.id) === id) return;
      await page.keyboard.press('Tab');
    }
    assert.fail(`Tab never reached #${id}`);
  };
  await tabTo('record-name');
  const outline = await page.evaluate(() => getComputedStyle(document.activeElement).outlineStyle);
  assert.notEqual(outline, 'none', 'the focused field has no visible focus');
  await page.keyboard.press('Control+A');
  await page.keyboard.type(`www.${zone}`);
  await page.keyboard.press('Tab');  // TTL
  await page.keyboard.press('Control+A');
  await page.keyboard.type('600');
  await page.keyboard.press('Tab');  // Type: a focused select takes a typed letter
  await page.keyboard.type('CNAME');
  await page.keyboard.press('Tab');  // Priority is disabled for a CNAME: straight to Value
  assert.equal(await page.evaluate(() => document.activeElement.id), 'record-value');
  await page.keyboard.type(`mail.${zone}`);
  await page.keyboard.press('Enter');  // submits: the preview
  await page.locator('#preview').waitFor({ state: 'visible' });
  await tabTo('record-save');
  await page.keyboard.press('Enter');
  await page.locator('#records-table tbody tr', { hasText: `www.${zone}` }).first().waitFor();
  const cname = await page.locator('#records-table tbody tr', { hasText: `www.${zone}` })
    .first().locator('td').allTextContents();
  assert.deepEqual(cname.slice(0, 3), [`www.${zone}`, '600', 'CNAME']);
  result.cname = { name: `www.${zone}`, target: `mail.${zone}` };

  log('edit a record (its TTL) and delete another');
  await page.locator('#records-table tbody tr', { hasText: `www.${zone}` }).first()
    .getByRole('button', { name: `Edit www.${zone} CNAME` }).click();
  assert.equal(await page.locator('#record-value').inputValue(), `mail.${zone}`);
  await page.locator('#record-ttl').fill('900');
  await page.locator('#record-preview').click();
  await page.locator('#preview').waitFor({ state: 'visible' });
  await page.locator('#record-save').click();
  await page.locator('#records-table tbody tr', { hasText: `www.${zone}` })
    .locator('td', { hasText: /^900$/ }).waitFor();
  page.once('dialog', (dialog) => dialog.accept());
  await page.getByRole('button', { name: `Delete note.${zone} TXT` }).click();
  await page.locator('#records-table td.value', { hasText: '<img' }).waitFor({ state: 'detached' });
  result.cname.ttl = 900;

  log('filter the table by type and name');
  // Polled from here: the page's CSP (no eval) also refuses playwright's waitForFunction.
  const rowsSettleAt = async (count, text) => {
    for (let i = 0; i < 100; i++) {
      const rows = page.locator('#records-table tbody tr');
      if (await rows.count() === count && (!text || (await rows.allTextContents()).every((t) => t.includes(text)))) return;
      await page.waitForTimeout(50);
    }
    assert.fail(`the filtered table never showed ${count} row(s) with ${text}`);
  };
  await page.locator('#filter-type').selectOption('MX');
  await page.locator('#filter-form button[type=submit]').click();
  await rowsSettleAt(1, `mail.${zone}`);
  await page.locator('#filter-type').selectOption('');
  await page.locator('#filter-name').fill(`www.${zone}`);
  await page.locator('#filter-form button[type=submit]').click();
  await rowsSettleAt(1, 'CNAME');
  assert.match(await page.locator('#page-info').textContent(), /\(1 records\)/);
  await page.locator('#filter-name').fill('');
  await page.locator('#filter-form button[type=submit]').click();
  await rowsSettleAt(5);

  log('the audit log lists the changes');
  await page.locator('#audit-refresh').click();
  await page.locator('#audit-table tbody tr').nth(3).waitFor();

  log('phone width: nothing wider than the screen');
  await page.setViewportSize({ width: 375, height: 740 });
  const overflow = await page.evaluate(() => document.documentElement.scrollWidth);
  assert.ok(overflow <= 376, `the page is ${overflow} px wide at 375 px`);
  await page.screenshot({ path: join(outputDir, 'console-phone.png') });

  log('log out');
  await page.locator('#logout').click();
  await page.locator('#login-view').waitFor({ state: 'visible' });
  const after = await page.evaluate((path) => fetch(path).then((r) => r.status), zonePath);
  assert.equal(after, 401);

  assert.deepEqual(pageErrors.filter((e) => !/status of (401|403|422)/.test(e)), [],
    'script errors on the page');
  result.ok = true;
  process.stdout.write(JSON.stringify(result) + '\n');
} catch (error) {
  process.stderr.write(`browser: FAILED at "${step}": ${error.stack || error}\n`);
  if (page) {
    await page.screenshot({ path: join(outputDir, 'console-failure.png'), fullPage: true }).catch(() => {});
    const shown = await page.locator('main').innerText().catch(() => '');
    process.stderr.write(`browser: the page said:\n${shown.slice(0, 3000)}\n`);
  }
  process.exitCode = 1;
} finally {
  await browser.close();
}
