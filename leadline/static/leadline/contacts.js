// Contact screens: Ctrl+Enter saves a note, "all matching" bulk selection, focus after htmx swaps.
(function () {
  "use strict";

  // Ctrl/Cmd+Enter in a textarea marked data-ctrl-enter-submit submits its form.
  document.addEventListener("keydown", function (event) {
    var target = event.target;
    if (event.key !== "Enter" || !(event.ctrlKey || event.metaKey)) return;
    if (!target.matches || !target.matches("textarea[data-ctrl-enter-submit]")) return;
    event.preventDefault();
    if (target.form) target.form.requestSubmit();
  });

  // Enter in a field marked data-enter-clicks="#button" presses that button rather than the form's
  // first one (the bulk bar's "new list" field would otherwise submit "Assign").
  document.addEventListener("keydown", function (event) {
    var target = event.target;
    if (event.key !== "Enter" || !target.matches || !target.matches("input[data-enter-clicks]")) return;
    var button = document.querySelector(target.getAttribute("data-enter-clicks"));
    if (!button) return;
    event.preventDefault();
    button.click();
  });

  // "Apply to all N matching" shows N as the selected count while it is ticked.
  document.addEventListener("change", function (event) {
    var box = event.target;
    if (!box.matches || !box.matches("[data-all-matching]")) return;
    var scope = box.closest("[data-bulk-scope]");
    var counter = scope && scope.querySelector("[data-selected-count]");
    if (!counter) return;
    if (box.checked) {
      counter.setAttribute("data-page-count", counter.textContent);
      counter.textContent = box.getAttribute("data-all-matching");
    } else {
      var chosen = scope.querySelectorAll("[data-select-row]:checked").length;
      counter.textContent = String(chosen);
    }
  });

  // Unticking a row cancels "all matching" (it would otherwise still act on every match).
  document.addEventListener("change", function (event) {
    var box = event.target;
    if (!box.matches || !box.matches("[data-select-row], [data-select-all]") || box.checked) return;
    var scope = box.closest("[data-bulk-scope]");
    var all = scope && scope.querySelector("[data-all-matching]");
    if (all && all.checked) {
      all.checked = false;
      all.dispatchEvent(new Event("change", { bubbles: true }));
    }
  });

  // After htmx puts an editor or a fresh composer in place, keep the keyboard where the user was.
  document.addEventListener("htmx:afterSwap", function (event) {
    var target = event.detail && event.detail.target;
    if (!target || !target.querySelector) return;
    var editor = target.matches && target.matches("textarea") ? target : target.querySelector("textarea[autofocus]");
    if (editor) {
      editor.focus();
      editor.setSelectionRange(editor.value.length, editor.value.length);
    }
  });

  // Typing in a [data-filter-select] input narrows the options of the select it names.
  document.addEventListener("input", function (event) {
    var input = event.target;
    if (!input.matches || !input.matches("[data-filter-select]")) return;
    var select = document.getElementById(input.getAttribute("data-filter-select"));
    if (!select) return;
    var needle = input.value.trim().toLowerCase();
    var firstMatch = null;
    Array.prototype.forEach.call(select.options, function (option) {
      var keep = !needle || option.value === "" || option.text.toLowerCase().indexOf(needle) !== -1;
      option.hidden = !keep;
      if (keep && option.value !== "" && !firstMatch) firstMatch = option;
    });
    if (needle && firstMatch && select.selectedOptions.length && select.selectedOptions[0].hidden) {
      select.value = firstMatch.value;
    }
  });
})();

// A new property's key follows its label (budget_range from "Budget range") until typed by hand.
(function () {
  "use strict";
  document.addEventListener("input", function (event) {
    var target = event.target;
    if (!target.matches) return;
    if (target.matches("[data-slug-target]")) {
      var key = document.getElementById(target.getAttribute("data-slug-target"));
      if (!key || key.disabled || key.getAttribute("data-touched") === "1") return;
      key.value = target.value.toLowerCase().normalize("NFKD").replace(/[\u0300-\u036f]/g, "")
        .replace(/[^a-z0-9]+/g, "_").replace(/^[^a-z]+/, "").replace(/_+$/, "").slice(0, 64);
    } else if (target.matches("[data-slug]")) {
      target.setAttribute("data-touched", target.value ? "1" : "0");
    }
  });
})();
