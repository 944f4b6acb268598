// Deals: the kanban board (drag and drop with SortableJS, and a "Move to" menu on every card for
// keyboards), saved at once; and the product lines of the deal form. No inline scripts (CSP).
(function () {
  "use strict";

  function onReady(fn) {
    if (document.readyState !== "loading") fn(); else document.addEventListener("DOMContentLoaded", fn);
  }

  function csrfToken() {
    var meta = document.querySelector("meta[name=csrf-token]");
    return meta ? meta.getAttribute("content") : "";
  }

  // --- The board ---------------------------------------------------------------------------------

  function setupBoard(board) {
    var editable = board.hasAttribute("data-editable");
    var status = document.querySelector("[data-board-status]");
    var dialog = document.querySelector("[data-lost-dialog]");
    var busy = false;

    function announce(message, isError) {
      if (!status) return;
      status.textContent = message;
      status.classList.toggle("is-error", !!isError);
      status.classList.toggle("is-ok", !isError && !!message);
      status.setAttribute("role", isError ? "alert" : "status");
    }

    function columnOf(stageId) {
      return board.querySelector('.deal-cards[data-stage="' + stageId + '"]');
    }

    function neighbourId(card, direction) {
      var sibling = direction === "previous" ? card.previousElementSibling : card.nextElementSibling;
      while (sibling && !sibling.classList.contains("deal-card")) {
        sibling = direction === "previous" ? sibling.previousElementSibling : sibling.nextElementSibling;
      }
      return sibling ? sibling.getAttribute("data-deal") : "";
    }

    function updateColumns(columns) {
      Object.keys(columns || {}).forEach(function (stageId) {
        var section = board.querySelector('.deal-column[data-stage="' + stageId + '"]');
        if (!section) return;
        var summary = columns[stageId];
        var count = section.querySelector("[data-column-count]");
        var total = section.querySelector("[data-column-total]");
        var weighted = section.querySelector("[data-column-weighted]");
        if (count) { count.textContent = String(summary.count); count.setAttribute("aria-label", summary.count + " deals"); }
        if (total) total.textContent = summary.total;
        if (weighted) weighted.textContent = summary.weighted;
      });
    }

    // POST the move; resolves with the JSON answer, rejects with a message to show.
    function save(card, stageId, extra) {
      var form = new FormData();
      form.append("stage", stageId);
      form.append("previous", neighbourId(card, "previous"));
      form.append("following", neighbourId(card, "next"));
      form.append("owner", board.getAttribute("data-owner") || "");
      form.append("month", board.getAttribute("data-month") || "");
      Object.keys(extra || {}).forEach(function (key) { form.append(key, extra[key]); });
      card.classList.add("is-saving");
      return fetch("/deals/" + card.getAttribute("data-deal") + "/move/", {
        method: "POST",
        body: form,
        credentials: "same-origin",
        headers: { "Accept": "application/json", "X-CSRFToken": csrfToken() }
      }).then(function (response) {
        return response.json().catch(function () { return {}; }).then(function (body) {
          if (!response.ok || !body.ok) {
            throw new Error(body.error || "The move could not be saved (" + response.status + ").");
          }
          return body;
        });
      }, function () {
        throw new Error("The move could not be saved: the server did not answer.");
      }).finally(function () {
        card.classList.remove("is-saving");
      });
    }

    // Ask for a lost reason; resolves with {lost_reason, lost_comment}, rejects when cancelled.
    function askLostReason(card) {
      return new Promise(function (resolve, reject) {
        if (!dialog) { reject(new Error("cancelled")); return; }
        var form = dialog.querySelector("[data-lost-form]");
        var name = dialog.querySelector("[data-lost-name]");
        if (name) name.textContent = card.getAttribute("data-name") || "";
        form.reset();
        var settled = false;
        function cleanup() {
          form.removeEventListener("submit", onSubmit);
          dialog.removeEventListener("close", onClose);
          cancel.removeEventListener("click", onCancel);
        }
        function onSubmit(event) {
          event.preventDefault();
          var reason = form.elements.lost_reason.value;
          if (!reason) { form.elements.lost_reason.focus(); return; }
          settled = true;
          cleanup();
          dialog.close();
          resolve({ lost_reason: reason, lost_comment: form.elements.lost_comment.value });
        }
        function onClose() {
          cleanup();
          if (!settled) reject(new Error("cancelled"));
        }
        function onCancel() { dialog.close(); }
        var cancel = dialog.querySelector("[data-lost-cancel]");
        form.addEventListener("submit", onSubmit);
        dialog.addEventListener("close", onClose);
        cancel.addEventListener("click", onCancel);
        dialog.showModal();
      });
    }

    // Move `card` (already placed in its new column by the caller) and undo with `revert` on failure.
    function commit(card, stageId, kind, revert, focusAfter) {
      busy = true;
      var details = kind === "lost" ? askLostReason(card) : Promise.resolve({});
      return details.then(function (extra) {
        return save(card, stageId, extra).then(function (body) {
          card.classList.remove("is-rotting");
          var badge = card.querySelector(".deal-rotting");
          if (badge) badge.remove();
          updateColumns(body.columns);
          announce(body.message || "Saved.", false);
          if (focusAfter) focusAfter.focus();
        });
      }).catch(function (error) {
        revert();
        if (error.message !== "cancelled") announce(error.message, true);
        else announce("Move cancelled.", false);
        if (focusAfter) focusAfter.focus();
      }).finally(function () {
        busy = false;
      });
    }

    if (!editable) return;

    // Drag and drop between (and within) columns.
    if (window.Sortable) {
      var origin = null;
      board.querySelectorAll("[data-column]").forEach(function (list) {
        window.Sortable.create(list, {
          group: "deals",
          draggable: ".deal-card",
          filter: "[data-move-open]",
          preventOnFilter: false,
          animation: 150,
          forceFallback: true,
          fallbackOnBody: true,
          ghostClass: "is-ghost",
          chosenClass: "is-chosen",
          dragClass: "is-dragging",
          onStart: function (event) {
            origin = { parent: event.from, next: event.item.nextElementSibling };
          },
          onEnd: function (event) {
            var card = event.item;
            var from = origin;
            origin = null;
            if (!from || (event.from === event.to && event.oldIndex === event.newIndex)) return;
            var target = event.to;
            commit(card, target.getAttribute("data-stage"), target.getAttribute("data-kind"), function () {
              from.parent.insertBefore(card, from.next && from.next.parentNode === from.parent ? from.next : null);
            });
          }
        });
      });
    }

    // The keyboard alternative: "Move to…" on each card opens a dialog to pick the stage. Without
    // scripts the same link opens the deal's page, which has a move form.
    var moveDialog = document.querySelector("[data-move-dialog]");
    var moving = null;
    if (moveDialog) {
      var moveForm = moveDialog.querySelector("[data-move-form]");
      var moveSelect = moveForm.elements.stage;
      moveDialog.querySelector("[data-move-cancel]").addEventListener("click", function () { moveDialog.close(); });
      moveDialog.addEventListener("close", function () {
        var pending = moving;
        moving = null;
        if (pending && !pending.chosen) pending.opener.focus();
      });
      moveForm.addEventListener("submit", function (event) {
        event.preventDefault();
        if (!moving) return;
        var card = moving.card;
        var opener = moving.opener;
        var stageId = moveSelect.value;
        var option = moveSelect.options[moveSelect.selectedIndex];
        var fromList = card.parentNode;
        moving.chosen = true;
        moveDialog.close();
        if (fromList.getAttribute("data-stage") === stageId) { opener.focus(); return; }
        var target = columnOf(stageId);
        if (!target) return;
        var next = card.nextElementSibling;
        target.insertBefore(card, target.firstElementChild);
        commit(card, stageId, option.getAttribute("data-kind"), function () {
          fromList.insertBefore(card, next && next.parentNode === fromList ? next : null);
        }, opener);
      });
      board.addEventListener("click", function (event) {
        var opener = event.target.closest("[data-move-open]");
        if (!opener || busy) return;
        event.preventDefault();
        var card = opener.closest(".deal-card");
        moving = { card: card, opener: opener, chosen: false };
        moveDialog.querySelector("[data-move-name]").textContent = card.getAttribute("data-name") || "";
        moveSelect.value = card.parentNode.getAttribute("data-stage");
        moveDialog.showModal();
        moveSelect.focus();
      });
    }
  }

  // --- The deal form: product lines ---------------------------------------------------------------

  function setupLines(container) {
    var template = document.getElementById("deal-line-template");
    var total = document.querySelector("input[name='lines-TOTAL_FORMS']");
    var add = document.querySelector("[data-add-line]");
    if (!template || !total || !add) return;
    add.addEventListener("click", function () {
      var index = parseInt(total.value, 10) || 0;
      var html = template.innerHTML.replace(/__prefix__/g, String(index));
      container.insertAdjacentHTML("beforeend", html);
      total.value = String(index + 1);
      var rows = container.querySelectorAll("[data-line]");
      var first = rows[rows.length - 1].querySelector("select, input");
      if (first) first.focus();
    });
  }

  onReady(function () {
    var board = document.querySelector("[data-board]");
    if (board) setupBoard(board);
    var lines = document.querySelector("[data-lines]");
    if (lines) setupLines(lines);
    // A lost move made without scripts comes back to the deal page at #lost: open the reason dialog.
    var lost = document.getElementById("lost-dialog");
    if (lost && window.location.hash === "#lost" && lost.showModal && !lost.open) lost.showModal();
  });
})();
