// The example collector's test page: sends events with the Snowplow browser tracker to this collector and lists
// the envelopes its sinks deliver, polling /test-page/envelopes.
(function () {
  'use strict';
  const status = document.getElementById('status');
  const rows = document.querySelector('#envelopes tbody');
  const notice = document.getElementById('notice');
  let clicks = 0;
  let last = 0;

  function say(text) {
    status.textContent = text;
  }

  function cell(tr, text, className) {
    const td = document.createElement('td');
    td.textContent = text;
    if (className) {
      td.className = className;
    }
    tr.appendChild(td);
  }

  // What kind of event an envelope holds, from its schema (the Snowplow input names one for every event type).
  function kind(e) {
    const schema = e.schema || '';
    if (schema.indexOf('/page_view/') >= 0) {
      return 'page view';
    }
    if (schema.indexOf('iglu:com.google.analytics/event/') === 0) {
      return 'structured';
    }
    return e.protocol === 'snowplow' ? 'self-describing' : e.protocol;
  }

  function show(e) {
    const tr = document.createElement('tr');
    tr.className = 'envelope';
    tr.dataset.schema = e.schema || '';
    tr.dataset.validation = e.validation.status;
    tr.dataset.sink = e.sink;
    cell(tr, String(e.seq));
    // The time of day, to the millisecond (UTC).
    cell(tr, e.receivedAt.substring(11, 23));
    cell(tr, kind(e));
    cell(tr, e.schema || '', 'schema');
    cell(tr, (e.contexts || []).join('\n'), 'contexts');
    cell(tr, e.validation.status + (e.validation.error ? ': ' + e.validation.error : ''), e.validation.status);
    cell(tr, e.sink);
    cell(tr, e.lagMillis + ' ms');
    rows.insertBefore(tr, rows.firstChild);
  }

  async function poll() {
    try {
      const response = await fetch('/test-page/envelopes?after=' + last, {cache: 'no-store'});
      if (response.ok) {
        const body = await response.json();
        body.envelopes.forEach(show);
        last = body.last;
      }
    } catch (e) {
      // The collector may be restarting; the next poll tries again.
    }
    setTimeout(poll, 500);
  }

  const sp = window.snowplowBrowserTracking;
  if (!sp) {
    notice.hidden = false;
    notice.textContent = 'This build has no Snowplow tracker (npm could not install it when the collector was '
      + 'built): run eventkit-examples/src/main/tracker/install.sh, then build again. The envelopes below still '
      + 'show whatever other clients send.';
    say('No tracker.');
    poll();
    return;
  }
  sp.newTracker('sp', window.location.origin, {
    appId: 'eventkit-test-page',
    platform: 'web',
    eventMethod: 'post',
    bufferSize: 1,
    stateStorageStrategy: 'none',
    contexts: {webPage: true},
  });
  document.getElementById('page-view').addEventListener('click', () => {
    sp.trackPageView({title: 'eventkit test page'});
    say('Sent a page view.');
  });
  document.getElementById('structured').addEventListener('click', () => {
    sp.trackStructEvent({category: 'test-page', action: 'click', label: 'structured', value: 1});
    say('Sent a structured event.');
  });
  document.getElementById('self-describing').addEventListener('click', () => {
    clicks++;
    sp.trackSelfDescribingEvent({
      event: {schema: 'iglu:dev.eventkit.example/button_click/jsonschema/1-0-0',
        data: {button: 'self-describing', page: 'test page'}},
      context: [{schema: 'iglu:dev.eventkit.example/test_page/jsonschema/1-0-0',
        data: {clicks: clicks, clickedAt: new Date().toISOString()}}],
    });
    say('Sent a self-describing event with a context.');
  });
  document.querySelectorAll('button').forEach(b => { b.disabled = false; });
  say('Ready: click a button.');
  poll();
})();
