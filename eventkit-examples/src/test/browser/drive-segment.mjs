// Drives headless Chromium through segment-page.html for SegmentBrowserTest: one page (in its own browser context,
// so nothing is cached between runs) per delivery strategy of analytics.js, each sending identify, track and page
// to the collector. The test then looks for every event in the collector's sink.
//
//   node drive-segment.mjs <chromium> <page url> <collector host:port> <write key>
//
// Prints one JSON object per run on stdout; exits non-zero when a run could not be completed.
import puppeteer from 'puppeteer-core';

const [chromium, pageUrl, collector, writeKey] = process.argv.slice(2);
const collectorOrigin = 'http://' + collector;

const runs = [
  // One request per event: /v1/i, /v1/t, /v1/p.
  {run: 'standard', strategy: 'standard', posts: 3},
  // Batching: three events fill a batch of three, sent at once to /v1/b.
  {run: 'batching', strategy: 'batching', size: 3, timeout: 200, posts: 1},
  // Batching, then the page goes away before the batch is due: analytics.js sends it with keepalive on pagehide.
  {run: 'unload-batching', strategy: 'batching', size: 100, timeout: 60000, unload: true},
  // keepalive requests, still in flight when the page goes away.
  {run: 'unload-keepalive', strategy: 'standard', keepalive: true, unload: true},
];

function urlFor(r) {
  const q = new URLSearchParams({collector, strategy: r.strategy, keepalive: String(!!r.keepalive)});
  if (r.size) {
    q.set('size', String(r.size));
    q.set('timeout', String(r.timeout));
  }
  return pageUrl + '?' + q;
}

async function drive(browser, r) {
  const context = await browser.createBrowserContext();
  const page = await context.newPage();
  // As a site embeds it in its page; not in the URL, where analytics.js would report it as context.page.
  await page.evaluateOnNewDocument(key => { window.segmentWriteKey = key; }, writeKey);
  const report = {run: r.run, results: null, consoleErrors: [], failedRequests: [], responses: []};
  page.on('console', m => {
    if (m.type() === 'error') {
      report.consoleErrors.push(m.text() + (m.location() && m.location().url ? ' (' + m.location().url + ')' : ''));
    }
  });
  page.on('pageerror', e => report.consoleErrors.push(String(e)));
  page.on('requestfailed', q => {
    if (q.url().startsWith(collectorOrigin)) {
      report.failedRequests.push(q.method() + ' ' + q.url() + ': ' + (q.failure() ? q.failure().errorText : '?'));
    }
  });
  const posts = [];
  page.on('response', s => {
    const q = s.request();
    if (q.url().startsWith(collectorOrigin) && q.method() === 'POST') {
      report.responses.push(q.method() + ' ' + new URL(q.url()).pathname + ' ' + s.status());
      posts.forEach(p => p.hit());
    }
  });
  try {
    await page.goto(urlFor(r), {waitUntil: 'load', timeout: 15000});
    if (!r.unload) {
      const answered = countdown(r.posts, r.run + ': ' + r.posts + ' answer(s) from the collector');
      posts.push(answered);
      report.results = await page.evaluate(run => window.sendEvents(run), r.run);
      await answered.done;
    } else if (r.strategy === 'batching') {
      // Resolves once the events are in analytics.js' batch; nothing has been sent yet.
      report.results = await page.evaluate(run => window.sendEvents(run), r.run);
      await page.goto('about:blank');
    } else {
      // Leave as soon as the three requests are on their way, without waiting for any answer.
      const issued = countdown(3, r.run + ': three requests issued');
      page.on('request', q => {
        if (q.url().startsWith(collectorOrigin) && q.method() === 'POST') {
          issued.hit();
        }
      });
      page.evaluate(run => { window.sendEvents(run); }, r.run).catch(() => {});
      await issued.done;
      await page.goto('about:blank');
    }
  } finally {
    await context.close();
  }
  return report;
}

/** A promise that resolves after n hits, or rejects after 10 s. */
function countdown(n, what) {
  let hits = 0;
  let resolve;
  let timer;
  const done = new Promise((ok, fail) => {
    resolve = ok;
    timer = setTimeout(() => fail(new Error('timed out waiting for ' + what)), 10000);
  });
  const finish = () => {
    clearTimeout(timer);
    resolve();
  };
  // Awaited where it matters; a run that failed earlier must not crash the driver with an unhandled rejection.
  done.catch(() => {});
  return {
    done,
    hit() {
      if (++hits === n) {
        finish();
      }
    },
  };
}

const browser = await puppeteer.launch({
  executablePath: chromium,
  headless: true,
  // --no-sandbox: the tests may run as root, where Chromium's sandbox refuses to start.
  args: ['--no-sandbox', '--disable-dev-shm-usage', '--disable-gpu', '--no-first-run'],
});
let failed = false;
try {
  for (const r of runs) {
    try {
      console.log(JSON.stringify(await drive(browser, r)));
    } catch (e) {
      failed = true;
      console.log(JSON.stringify({run: r.run, error: String(e && e.stack || e)}));
    }
  }
} finally {
  await browser.close();
}
process.exit(failed ? 1 : 0);
