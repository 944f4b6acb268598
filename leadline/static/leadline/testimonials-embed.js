/* Leadline testimonials widget: <div data-leadline-testimonials="SLUG"></div> plus this script.
   It fetches the wall's approved testimonials as JSON and builds the markup with textContent only,
   so nothing a customer wrote can ever run as code on the host page. */
(function () {
  "use strict";
  var script = document.currentScript;
  if (!script || !script.src) return;
  var source = script.src.split("#")[0].split("?")[0];
  var parts = source.split("/");
  var slug = parts[parts.length - 2];
  var dataUrl = source.replace(/embed\.js$/, "items.json");
  if (!slug || dataUrl === source) return;

  function el(tag, className, text) {
    var node = document.createElement(tag);
    if (className) node.className = className;
    if (text !== undefined && text !== null) node.textContent = String(text);
    return node;
  }

  function isWebAddress(value) {
    return typeof value === "string" && /^https?:\/\//i.test(value);
  }

  function containers() {
    var found = [];
    var nodes = document.querySelectorAll("[data-leadline-testimonials]");
    for (var i = 0; i < nodes.length; i++) {
      if (nodes[i].getAttribute("data-leadline-testimonials") === slug && !nodes[i].getAttribute("data-llt-done")) {
        found.push(nodes[i]);
      }
    }
    if (!found.length) {
      var made = el("div");
      script.parentNode.insertBefore(made, script.nextSibling);
      found.push(made);
    }
    return found;
  }

  function stars(rating) {
    var box = el("div", "llt-stars");
    box.setAttribute("aria-label", rating + " out of 5 stars");
    for (var i = 1; i <= 5; i++) box.appendChild(el("span", i <= rating ? "" : "llt-dim", "\u2605"));
    return box;
  }

  function item(data) {
    var li = el("li", "llt-item");
    var rating = Math.max(1, Math.min(5, parseInt(data.rating, 10) || 1));
    li.appendChild(stars(rating));
    li.appendChild(el("p", "llt-text", data.text || ""));
    var by = el("div", "llt-by");
    if (isWebAddress(data.photo)) {
      var img = el("img");
      img.src = data.photo;
      img.alt = "";
      img.loading = "lazy";
      by.appendChild(img);
    }
    var who = el("span");
    who.appendChild(el("strong", "", data.name || ""));
    var sub = [data.role, data.company].filter(function (part) { return part; }).join(", ");
    if (sub) who.appendChild(el("span", "llt-sub", sub));
    by.appendChild(who);
    li.appendChild(by);
    return li;
  }

  function render(target, payload) {
    target.setAttribute("data-llt-done", "1");
    target.textContent = "";
    var root = el("div", "llt");
    var summary = payload.summary || {};
    if (summary.count) {
      root.appendChild(el("p", "llt-summary", "\u2605 " + summary.average + " average from " + summary.count + " review" + (summary.count === 1 ? "" : "s")));
    }
    var list = el("ul", "llt-list");
    var items = payload.items || [];
    for (var i = 0; i < items.length; i++) list.appendChild(item(items[i]));
    root.appendChild(list);
    if (payload.wall && isWebAddress(payload.wall.url)) {
      var more = el("a", "llt-more", "See all testimonials");
      more.href = payload.wall.url;
      more.rel = "noopener";
      root.appendChild(more);
    }
    target.appendChild(root);
  }

  function addStylesheet(url) {
    if (!isWebAddress(url) || document.querySelector("link[data-llt-style]")) return;
    var link = document.createElement("link");
    link.rel = "stylesheet";
    link.href = url;
    link.setAttribute("data-llt-style", "1");
    document.head.appendChild(link);
  }

  var targets = containers();
  fetch(dataUrl, { credentials: "omit", mode: "cors" })
    .then(function (response) { return response.ok ? response.json() : null; })
    .then(function (payload) {
      if (!payload) return;
      addStylesheet(payload.stylesheet);
      for (var i = 0; i < targets.length; i++) render(targets[i], payload);
    })
    .catch(function () { /* the host page stays as it was */ });
})();
