/*! Leadline tracking snippet. Install with:
 *   <script async src="https://YOUR-LEADLINE/t.js" data-site="SITE_KEY"></script>
 * API (calls made before the script loads are queued: window.leadline = window.leadline || [];
 * leadline.push(["identify", "ada@example.com"])):
 *   leadline.identify(email)        tell Leadline who this browser belongs to
 *   leadline.track(name, props)     record a custom event (props: a small object)
 *   leadline.page()                 record a page view by hand (history changes are automatic)
 *   leadline.visitorId()            the visitor id (also in the first-party cookie "_ll_vid")
 */
(function (window, document) {
  "use strict";
  var existing = window.leadline;
  if (existing && existing.loaded) return;

  var script = document.currentScript || document.querySelector("script[data-site][src*='/t.js']");
  var siteKey = script && script.getAttribute("data-site");
  if (!siteKey) return;

  var endpoint;
  try {
    endpoint = new URL(script.src, document.baseURI).origin + "/t/collect";
  } catch (error) {
    return;
  }

  var COOKIE = "_ll_vid";
  var COOKIE_MAX_AGE = 63072000; // two years, in seconds (Chromium caps it at 400 days)
  var BATCH_SIZE = 20;
  var FLUSH_DELAY = 1000;
  var MAX_PROPS = 2000;
  var MAX_TEXT = 2000;
  var queue = [];
  var timer = null;
  var lastPage = null;

  function newId() {
    if (window.crypto && window.crypto.randomUUID) return window.crypto.randomUUID();
    var bytes = new Uint8Array(16);
    if (window.crypto && window.crypto.getRandomValues) {
      window.crypto.getRandomValues(bytes);
    } else {
      for (var i = 0; i < 16; i++) bytes[i] = Math.floor(Math.random() * 256);
    }
    bytes[6] = (bytes[6] & 0x0f) | 0x40;
    bytes[8] = (bytes[8] & 0x3f) | 0x80;
    var hex = "";
    for (var j = 0; j < 16; j++) hex += (bytes[j] + 0x100).toString(16).slice(1);
    return hex.slice(0, 8) + "-" + hex.slice(8, 12) + "-" + hex.slice(12, 16) + "-" + hex.slice(16, 20) + "-" + hex.slice(20);
  }

  function readVisitorId() {
    var match = document.cookie.match(/(?:^|;\s*)_ll_vid=([0-9a-fA-F-]{36})(?:;|$)/);
    return match ? match[1].toLowerCase() : null;
  }

  var visitorId = readVisitorId() || newId();
  // Written again on every load so that its lifetime counts from the last visit.
  document.cookie = COOKIE + "=" + visitorId + "; Max-Age=" + COOKIE_MAX_AGE + "; Path=/; SameSite=Lax" +
    (window.location.protocol === "https:" ? "; Secure" : "");

  function text(value) {
    return typeof value === "string" ? value.slice(0, MAX_TEXT) : "";
  }

  function smallProps(props) {
    if (!props || typeof props !== "object" || Array.isArray(props)) return undefined;
    try {
      var encoded = JSON.stringify(props);
      if (encoded.length <= MAX_PROPS) return props;
    } catch (error) { /* circular or otherwise not JSON */ }
    if (window.console) window.console.warn("leadline: event properties are limited to 2 KB as JSON; dropped");
    return undefined;
  }

  function send(body) {
    try {
      if (navigator.sendBeacon && navigator.sendBeacon(endpoint, body)) return;
    } catch (error) { /* fall through to fetch */ }
    if (window.fetch) {
      window.fetch(endpoint, {
        method: "POST", body: body, keepalive: true, mode: "no-cors", credentials: "omit",
        headers: { "Content-Type": "text/plain" }
      }).catch(function () {});
    }
  }

  function flush() {
    if (timer) { window.clearTimeout(timer); timer = null; }
    while (queue.length) {
      // A text/plain body keeps the request "simple": no CORS preflight before each batch.
      send(JSON.stringify({ site: siteKey, visitor: visitorId, events: queue.splice(0, BATCH_SIZE) }));
    }
  }

  function enqueue(event) {
    queue.push(event);
    if (queue.length >= BATCH_SIZE) flush();
    else if (!timer) timer = window.setTimeout(flush, FLUSH_DELAY);
  }

  function pageAddress() {
    return window.location.href.split("#")[0];
  }

  function page() {
    var url = pageAddress();
    if (url === lastPage) return;
    var referrer = lastPage || document.referrer || "";
    lastPage = url;
    var event = { type: "page.view", url: text(url), referrer: text(referrer), ts: Date.now() };
    if (document.title) event.props = { title: document.title.slice(0, 300) };
    enqueue(event);
  }

  function track(name, props) {
    if (typeof name !== "string" || !name) return;
    var event = { type: "event", name: name.slice(0, 200), url: text(window.location.href), ts: Date.now() };
    var checked = smallProps(props);
    if (checked) event.props = checked;
    enqueue(event);
  }

  function identify(email) {
    if (typeof email !== "string" || email.indexOf("@") < 1) return;
    enqueue({ type: "identify", email: email.trim().slice(0, 254), ts: Date.now() });
    flush();
  }

  var api = {
    loaded: true,
    page: page,
    track: track,
    identify: identify,
    visitorId: function () { return visitorId; },
    push: function (call) { run(call); }
  };

  function run(call) {
    if (!call || typeof call.length !== "number" || typeof api[call[0]] !== "function" || call[0] === "push") return;
    api[call[0]].apply(api, Array.prototype.slice.call(call, 1));
  }

  // Single-page apps change pages through the History API without loading a new document.
  ["pushState", "replaceState"].forEach(function (name) {
    var original = window.history[name];
    if (typeof original !== "function") return;
    window.history[name] = function () {
      var result = original.apply(this, arguments);
      window.setTimeout(page, 0);
      return result;
    };
  });
  window.addEventListener("popstate", function () { page(); });
  window.addEventListener("pagehide", flush);
  document.addEventListener("visibilitychange", function () {
    if (document.visibilityState === "hidden") flush();
  });

  window.leadline = api;
  page();
  var pending = existing && (Array.isArray(existing) ? existing : existing.q);
  if (pending && pending.length) {
    for (var k = 0; k < pending.length; k++) run(pending[k]);
  }
})(window, document);
