// Tasks: keyboard use of "my day" and the task list, focus kept after one-click completion, and the
// contact page's timeline refreshed when a task on it is done. Loaded by full pages and by the
// contact page's tasks fragment, so it guards against running twice.
(function () {
  "use strict";
  if (window.leadlineTasks) return;
  window.leadlineTasks = true;

  function rows() {
    return Array.prototype.slice.call(document.querySelectorAll("[data-task-queue] [data-task-row]"));
  }

  function currentRow() {
    var active = document.activeElement;
    return active && active.closest ? active.closest("[data-task-row]") : null;
  }

  function move(step) {
    var list = rows();
    if (!list.length) return;
    var index = list.indexOf(currentRow());
    var next = index === -1 ? (step > 0 ? 0 : list.length - 1) : Math.min(Math.max(index + step, 0), list.length - 1);
    list[next].focus();
  }

  document.addEventListener("keydown", function (event) {
    var target = event.target;
    if (event.ctrlKey || event.metaKey || event.altKey) return;
    if (target && (target.tagName === "INPUT" || target.tagName === "TEXTAREA" || target.tagName === "SELECT" || target.isContentEditable)) return;
    if (!document.querySelector("[data-task-queue]")) return;
    var row = currentRow();
    if (event.key === "n") {
      var quick = document.querySelector("[data-quick-add]");
      if (quick) { event.preventDefault(); quick.focus(); }
    } else if (event.key === "j" || event.key === "ArrowDown" && row) {
      event.preventDefault(); move(1);
    } else if (event.key === "k" || event.key === "ArrowUp" && row) {
      event.preventDefault(); move(-1);
    } else if (event.key === "x" && row) {
      var toggle = row.querySelector("[data-task-toggle]");
      if (toggle) { event.preventDefault(); toggle.click(); }
    } else if ((event.key === "e" || event.key === "Enter") && row && row === target) {
      var open = row.querySelector("[data-task-open]");
      if (open) { event.preventDefault(); open.click(); }
    }
  });

  // After htmx swaps a task line, keep the keyboard on it.
  document.addEventListener("htmx:afterSettle", function (event) {
    var element = event.detail && event.detail.elt;
    if (!element || !element.id || element.id.indexOf("task-") !== 0) return;
    var fresh = document.getElementById(element.id);
    if (fresh && fresh.hasAttribute("data-task-row")) fresh.focus();
  });

  // A task done on the contact page writes to its timeline: reload the timeline's current tab.
  document.body.addEventListener("leadline:task-changed", function () {
    var timeline = document.getElementById("timeline");
    if (!timeline || !window.htmx) return;
    var tab = timeline.querySelector(".tab.active[hx-get]") || timeline.querySelector("[hx-get]");
    if (tab) window.htmx.ajax("GET", tab.getAttribute("hx-get"), { target: "#timeline", swap: "outerHTML" });
  });
})();
