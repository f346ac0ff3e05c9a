// Drives headless Chromium through the example collector's test page for TestPageBrowserTest: clicks its three
// buttons (page view, structured event, self-describing event with a context), waits until the page lists the
// three envelopes as the collector's sinks delivered them, and takes a screenshot.
//
//   node drive-test-page.mjs <chromium> <page url> <screenshot file>
//
// Prints one JSON object on stdout: the rows the page shows, console errors, the collector's answers to the tracker.
import puppeteer from 'puppeteer-core';

const [chromium, pageUrl, screenshot] = process.argv.slice(2);
const origin = new URL(pageUrl).origin;

const browser = await puppeteer.launch({
  executablePath: chromium,
  headless: true,
  // --no-sandbox: the tests may run as root, where Chromium's sandbox refuses to start.
  args: ['--no-sandbox', '--disable-dev-shm-usage', '--disable-gpu', '--no-first-run'],
});
const report = {rows: [], consoleErrors: [], tracker: [], notice: null};
let failed = false;
try {
  const page = await browser.newPage();
  await page.setViewport({width: 1200, height: 640});
  page.on('console', m => {
    if (m.type() === 'error') {
      report.consoleErrors.push(m.text());
    }
  });
  page.on('pageerror', e => report.consoleErrors.push(String(e)));
  page.on('response', s => {
    const url = new URL(s.url());
    if (url.origin === origin && url.pathname.endsWith('/tp2')) {
      report.tracker.push(s.request().method() + ' ' + url.pathname + ' ' + s.status());
    }
  });
  await page.goto(pageUrl, {waitUntil: 'load', timeout: 15000});
  await page.waitForSelector('#self-describing:not([disabled])', {timeout: 10000});
  for (const id of ['page-view', 'structured', 'self-describing']) {
    await page.click('#' + id);
  }
  // The tracker sends each event on its own (bufferSize 1); the page polls what the sinks delivered.
  await page.waitForFunction(() => {
    const schemas = [...document.querySelectorAll('tr.envelope')].map(r => r.dataset.schema);
    return ['/page_view/', 'com.google.analytics/event/', '/button_click/']
      .every(s => schemas.some(x => x.includes(s)));
  }, {timeout: 15000, polling: 100});
  report.rows = await page.$$eval('tr.envelope', rows => rows.map(r => ({
    schema: r.dataset.schema,
    validation: r.dataset.validation,
    sink: r.dataset.sink,
    cells: [...r.querySelectorAll('td')].map(td => td.textContent),
  })));
  report.notice = await page.$eval('#notice', n => (n.hidden ? null : n.textContent));
  await page.screenshot({path: screenshot});
} catch (e) {
  failed = true;
  report.error = String(e && e.stack || e);
} finally {
  await browser.close();
}
console.log(JSON.stringify(report));
process.exit(failed ? 1 : 0);
