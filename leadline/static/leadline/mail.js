// Email templates: the live preview of the editor (posted into a sandboxed iframe), desktop and
// mobile widths, the plain-text part, "preview as" a contact, and inserting merge tags.
(function () {
  "use strict";

  function onReady(fn) {
    if (document.readyState !== "loading") fn(); else document.addEventListener("DOMContentLoaded", fn);
  }

  function debounce(fn, wait) {
    var timer = null;
    return function () {
      window.clearTimeout(timer);
      timer = window.setTimeout(fn, wait);
    };
  }

  function csrfToken() {
    var meta = document.querySelector("meta[name=csrf-token]");
    return meta ? meta.getAttribute("content") : "";
  }

  function setPressed(buttons, chosen) {
    buttons.forEach(function (button) { button.setAttribute("aria-pressed", button === chosen ? "true" : "false"); });
  }

  function setupPreview(root) {
    var mode = root.getAttribute("data-mode");
    var form = mode === "draft" ? document.getElementById(root.getAttribute("data-form")) : null;
    var frame = root.querySelector("iframe");
    var frameWrap = root.querySelector("[data-frame-wrap]");
    var panel = root.querySelector("[data-preview-panel]");
    var contactInput = (form || root).querySelector("[data-preview-contact]");
    var chip = root.querySelector("[data-contact-chip]");
    var chipName = root.querySelector("[data-contact-chip-name]");
    var search = root.querySelector("[data-contact-search]");
    var results = root.querySelector("[data-contact-results]");
    var part = "html";
    var panelRequest = 0;

    function showPart() {
      root.classList.toggle("show-text", part === "text");
      var text = panel.querySelector("[data-preview-text]");
      if (text) text.hidden = part !== "text";
    }

    function syncContact() {
      document.querySelectorAll("[data-sync-contact]").forEach(function (input) { input.value = contactInput.value; });
    }

    function loadPanel(request) {
      var ticket = ++panelRequest;
      request.then(function (response) {
        if (!response.ok) throw new Error("The preview could not be loaded (" + response.status + ").");
        return response.text();
      }).then(function (html) {
        if (ticket !== panelRequest) return;  // an older answer arriving late
        panel.innerHTML = html;
        showPart();
      }).catch(function (error) {
        if (ticket !== panelRequest) return;
        panel.innerHTML = "";
        var alert = document.createElement("div");
        alert.className = "alert alert-error preview-alert";
        alert.setAttribute("role", "alert");
        alert.textContent = error.message;
        panel.appendChild(alert);
      });
    }

    function refresh() {
      syncContact();
      if (mode === "draft") {
        // Post the editor's fields into the sandboxed frame, then restore the form as it was.
        var action = form.getAttribute("action");
        var target = form.getAttribute("target");
        form.setAttribute("action", root.getAttribute("data-preview-url"));
        form.setAttribute("target", frame.name);
        HTMLFormElement.prototype.submit.call(form);
        if (action === null) form.removeAttribute("action"); else form.setAttribute("action", action);
        if (target === null) form.removeAttribute("target"); else form.setAttribute("target", target);
        loadPanel(fetch(root.getAttribute("data-panel-url"), {
          method: "POST", body: new FormData(form), credentials: "same-origin",
          headers: { "X-CSRFToken": csrfToken() }
        }));
      } else {
        var query = contactInput.value ? "?contact=" + encodeURIComponent(contactInput.value) : "";
        frame.src = root.getAttribute("data-preview-url") + query;
        loadPanel(fetch(root.getAttribute("data-panel-url") + query, { credentials: "same-origin" }));
      }
    }

    root.querySelectorAll("[data-width]").forEach(function (button, index, all) {
      button.addEventListener("click", function () {
        setPressed(Array.prototype.slice.call(all), button);
        frameWrap.classList.toggle("is-mobile", button.getAttribute("data-width") === "mobile");
      });
    });
    root.querySelectorAll("[data-part]").forEach(function (button, index, all) {
      button.addEventListener("click", function () {
        setPressed(Array.prototype.slice.call(all), button);
        part = button.getAttribute("data-part");
        showPart();
      });
    });

    // "Preview as": search the contacts you can see, pick one, or clear the choice.
    function chooseContact(id, name) {
      contactInput.value = id;
      chip.hidden = !id;
      chipName.textContent = name || "";
      results.hidden = true;
      search.value = "";
      refresh();
    }
    var searchContacts = debounce(function () {
      var url = search.getAttribute("data-contact-search") + "?q=" + encodeURIComponent(search.value.trim());
      fetch(url, { credentials: "same-origin" }).then(function (response) { return response.ok ? response.text() : ""; })
        .then(function (html) { results.innerHTML = html; results.hidden = false; });
    }, 250);
    search.addEventListener("input", searchContacts);
    search.addEventListener("focus", searchContacts);
    search.addEventListener("keydown", function (event) {
      if (event.key === "Enter") {
        event.preventDefault();  // inside the editor form, Enter would save the template
        var first = results.querySelector("[data-contact-id]");
        if (first) first.click();
      } else if (event.key === "Escape") {
        results.hidden = true;
      } else if (event.key === "ArrowDown") {
        var option = results.querySelector("[data-contact-id]");
        if (option) { event.preventDefault(); option.focus(); }
      }
    });
    results.addEventListener("click", function (event) {
      var option = event.target.closest("[data-contact-id]");
      if (option) chooseContact(option.getAttribute("data-contact-id"), option.getAttribute("data-contact-name"));
    });
    results.addEventListener("keydown", function (event) {
      var options = Array.prototype.slice.call(results.querySelectorAll("[data-contact-id]"));
      var index = options.indexOf(document.activeElement);
      if (event.key === "ArrowDown" && index < options.length - 1) { event.preventDefault(); options[index + 1].focus(); }
      else if (event.key === "ArrowUp") { event.preventDefault(); (index > 0 ? options[index - 1] : search).focus(); }
      else if (event.key === "Escape") { results.hidden = true; search.focus(); }
    });
    document.addEventListener("click", function (event) {
      if (!event.target.closest(".contact-picker")) results.hidden = true;
    });
    root.querySelector("[data-contact-clear]").addEventListener("click", function () { chooseContact("", ""); });

    if (mode === "draft") {
      var refreshSoon = debounce(refresh, 500);
      form.addEventListener("input", function (event) {
        if (event.target === search) return;
        refreshSoon();
      });
      form.addEventListener("change", function (event) {
        if (event.target === search) return;
        refreshSoon();
      });
      var refreshButton = root.querySelector("[data-preview-refresh]");
      if (refreshButton) {
        refreshButton.addEventListener("click", function (event) { event.preventDefault(); refresh(); });
      }
      refresh();
    }
    syncContact();
  }

  function setupEditor(form) {
    var body = form.querySelector("textarea[name=body]");
    var dirty = false;
    form.addEventListener("input", function (event) {
      if (!event.target.hasAttribute("data-contact-search")) dirty = true;
    });
    form.addEventListener("submit", function () { dirty = false; });
    window.addEventListener("beforeunload", function (event) {
      if (dirty) { event.preventDefault(); event.returnValue = ""; }
    });

    // Ctrl+S / Cmd+S saves.
    document.addEventListener("keydown", function (event) {
      if ((event.ctrlKey || event.metaKey) && event.key.toLowerCase() === "s") {
        event.preventDefault();
        var save = form.querySelector("button[type=submit]:not([formaction])");
        form.requestSubmit(save || undefined);
      }
    });

    form.querySelectorAll("[data-insert-tag]").forEach(function (button) {
      button.addEventListener("click", function () {
        var tag = "{{ " + button.getAttribute("data-insert-tag") + " }}";
        var start = body.selectionStart, end = body.selectionEnd;
        body.setRangeText(tag, start, end, "end");
        body.focus();
        body.dispatchEvent(new Event("input", { bubbles: true }));
        var menu = button.closest("details");
        if (menu) menu.open = false;
      });
    });

    // Tab in the source editor indents instead of leaving the field; Escape then Tab still leaves it.
    var escaped = false;
    body.addEventListener("keydown", function (event) {
      if (event.key === "Escape") { escaped = true; return; }
      if (event.key === "Tab" && !event.shiftKey && !escaped) {
        event.preventDefault();
        body.setRangeText("  ", body.selectionStart, body.selectionEnd, "end");
        body.dispatchEvent(new Event("input", { bubbles: true }));
      }
      escaped = false;
    });
  }

  // Filters that apply as soon as they change (the kind filter of the template list).
  document.addEventListener("change", function (event) {
    if (event.target.matches("[data-mail-autosubmit]") && event.target.form) event.target.form.requestSubmit();
  });

  onReady(function () {
    var editor = document.querySelector("[data-mail-editor]");
    if (editor) setupEditor(editor);
    document.querySelectorAll("[data-mail-preview]").forEach(setupPreview);
  });
})();
