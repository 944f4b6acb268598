// Leadline's small behaviours: keyboard shortcuts, confirmations, bulk selection, mobile nav.
// No inline scripts anywhere (the Content-Security-Policy forbids them).
(function () {
  "use strict";

  function onReady(fn) {
    if (document.readyState !== "loading") fn(); else document.addEventListener("DOMContentLoaded", fn);
  }

  // "/" focuses the search box, Escape leaves it; "g c" goes to contacts, "g h" home.
  var lastKey = null;
  document.addEventListener("keydown", function (event) {
    var target = event.target;
    var typing = target && (target.tagName === "INPUT" || target.tagName === "TEXTAREA" || target.tagName === "SELECT" || target.isContentEditable);
    if (typing) {
      if (event.key === "Escape") target.blur();
      return;
    }
    if (event.key === "/") {
      var search = document.querySelector("[data-global-search]");
      if (search) { event.preventDefault(); search.focus(); }
    } else if (lastKey === "g" && event.key === "c") {
      window.location.href = "/contacts/";
    } else if (lastKey === "g" && event.key === "h") {
      window.location.href = "/";
    }
    lastKey = event.key;
  });

  // Forms and buttons with data-confirm ask first; dialogs open from [data-dialog-open].
  document.addEventListener("submit", function (event) {
    var form = event.target;
    var submitter = event.submitter;
    var message = (submitter && submitter.getAttribute("data-confirm")) || form.getAttribute("data-confirm");
    if (message && !window.confirm(message)) event.preventDefault();
  }, true);

  document.addEventListener("click", function (event) {
    var opener = event.target.closest("[data-dialog-open]");
    if (opener) {
      var dialog = document.getElementById(opener.getAttribute("data-dialog-open"));
      if (dialog && dialog.showModal) { event.preventDefault(); dialog.showModal(); }
    }
    var closer = event.target.closest("[data-dialog-close]");
    if (closer) {
      var parent = closer.closest("dialog");
      if (parent) { event.preventDefault(); parent.close(); }
    }
    var toggle = event.target.closest("[data-nav-toggle]");
    if (toggle) {
      document.querySelector(".shell").classList.toggle("nav-open");
    }
  });

  // Bulk selection: [data-select-all] toggles [data-select-row]; the bulk bar shows a count.
  function refreshBulk(scope) {
    var rows = scope.querySelectorAll("[data-select-row]");
    var chosen = scope.querySelectorAll("[data-select-row]:checked");
    var bar = scope.querySelector("[data-bulkbar]");
    var counter = scope.querySelector("[data-selected-count]");
    if (bar) bar.classList.toggle("visible", chosen.length > 0);
    if (counter) counter.textContent = String(chosen.length);
    var all = scope.querySelector("[data-select-all]");
    if (all) {
      all.checked = rows.length > 0 && chosen.length === rows.length;
      all.indeterminate = chosen.length > 0 && chosen.length < rows.length;
    }
  }
  document.addEventListener("change", function (event) {
    var scope = event.target.closest("[data-bulk-scope]");
    if (!scope) return;
    if (event.target.matches("[data-select-all]")) {
      scope.querySelectorAll("[data-select-row]").forEach(function (box) { box.checked = event.target.checked; });
    }
    if (event.target.matches("[data-select-all], [data-select-row]")) refreshBulk(scope);
    if (event.target.matches("[data-autosubmit]")) event.target.form.requestSubmit();
  });

  // Elements with data-autofocus-select select their text (e.g. a token shown once).
  onReady(function () {
    document.querySelectorAll("[data-bulk-scope]").forEach(refreshBulk);
    var secret = document.querySelector("[data-autofocus-select]");
    if (secret && window.getSelection) {
      var range = document.createRange();
      range.selectNodeContents(secret);
      window.getSelection().removeAllRanges();
      window.getSelection().addRange(range);
    }
    document.querySelectorAll("[data-copy]").forEach(function (button) {
      button.addEventListener("click", function () {
        var source = document.getElementById(button.getAttribute("data-copy"));
        if (source && navigator.clipboard) {
          navigator.clipboard.writeText(source.textContent.trim()).then(function () { button.textContent = "Copied"; });
        }
      });
    });
  });

  // Django's CSRF token travels with every htmx request.
  document.addEventListener("htmx:configRequest", function (event) {
    var token = document.querySelector("meta[name=csrf-token]");
    if (token) event.detail.headers["X-CSRFToken"] = token.getAttribute("content");
  });
})();
