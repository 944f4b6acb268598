// The public booking page: show free times in the visitor's own time zone, one day at a time.
// Without JavaScript the page still works: every day is listed and the zone is chosen by hand.
(function () {
  "use strict";

  function onReady(fn) {
    if (document.readyState !== "loading") fn(); else document.addEventListener("DOMContentLoaded", fn);
  }

  function detectedZone() {
    try {
      return Intl.DateTimeFormat().resolvedOptions().timeZone || "";
    } catch (error) {
      return "";
    }
  }

  // First visit without a chosen zone: reload the times in the browser's zone, if we know it.
  function followBrowserZone() {
    var form = document.querySelector("form[data-detect-zone]");
    var select = document.querySelector("[data-zone-select]");
    if (!form || !select) return false;
    var zone = detectedZone();
    if (!zone || zone === select.value) return false;
    var known = Array.prototype.some.call(select.options, function (option) { return option.value === zone; });
    if (!known) return false;
    var url = new URL(window.location.href);
    url.searchParams.set("tz", zone);
    window.location.replace(url.toString());
    return true;
  }

  function setUpZoneSelect() {
    var select = document.querySelector("[data-zone-select]");
    if (!select) return;
    var apply = document.querySelector("[data-zone-apply]");
    if (apply) apply.hidden = true;
    select.addEventListener("change", function () {
      var form = document.getElementById("bk-zone-form");
      if (form) form.requestSubmit ? form.requestSubmit() : form.submit();
    });
  }

  function setUpPicker(picker) {
    var days = picker.querySelector("[data-days]");
    var buttons = Array.prototype.slice.call(picker.querySelectorAll("[data-day]"));
    var panels = Array.prototype.slice.call(picker.querySelectorAll("[data-times]"));
    var chosen = document.querySelector("[data-chosen]");
    var zoneField = document.querySelector("[data-zone-field]");
    if (!days || !buttons.length) return;
    days.hidden = false;
    picker.classList.add("bk-picker-enhanced");

    function show(key, focus) {
      buttons.forEach(function (button) {
        var on = button.getAttribute("data-day") === key;
        button.setAttribute("aria-pressed", on ? "true" : "false");
        button.tabIndex = on ? 0 : -1;
        if (on && focus) button.focus();
      });
      panels.forEach(function (panel) { panel.hidden = panel.getAttribute("data-times") !== key; });
    }

    function describe(input) {
      if (!chosen) return;
      var zone = zoneField ? zoneField.value.replace(/_/g, " ") : "";
      chosen.textContent = input ? "You chose " + input.getAttribute("data-label") + (zone ? " (" + zone + ")" : "") + "." : "Pick a time above.";
    }

    buttons.forEach(function (button, index) {
      button.addEventListener("click", function () { show(button.getAttribute("data-day"), false); });
      button.addEventListener("keydown", function (event) {
        var next = null;
        if (event.key === "ArrowRight" || event.key === "ArrowDown") next = buttons[Math.min(index + 1, buttons.length - 1)];
        else if (event.key === "ArrowLeft" || event.key === "ArrowUp") next = buttons[Math.max(index - 1, 0)];
        else if (event.key === "Home") next = buttons[0];
        else if (event.key === "End") next = buttons[buttons.length - 1];
        if (next) {
          event.preventDefault();
          show(next.getAttribute("data-day"), true);
        }
      });
    });

    picker.addEventListener("change", function (event) {
      if (event.target.name === "start") describe(event.target);
    });

    var checked = picker.querySelector("input[name=start]:checked");
    var first = checked ? checked.closest("[data-times]").getAttribute("data-times") : (picker.getAttribute("data-selected-day") || buttons[0].getAttribute("data-day"));
    show(first, false);
    describe(checked);
  }

  onReady(function () {
    if (followBrowserZone()) return;
    setUpZoneSelect();
    document.querySelectorAll("[data-picker]").forEach(setUpPicker);
    var summary = document.getElementById("bk-error-summary");
    if (summary) summary.focus();
  });
})();
