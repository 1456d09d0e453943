// The little the page needs besides htmx (no build step). No patient data is kept here.
(function () {
  "use strict";
  // Typing in the library search does not redraw the page: only the form's own fields do.
  function quiet(root) {
    root.querySelectorAll("[data-no-preview]").forEach(function (el) {
      if (!el.dataset.quiet) {
        el.dataset.quiet = "1";
        el.addEventListener("input", function (event) { event.stopPropagation(); });
      }
    });
  }
  // After removing or adding an exercise, the keyboard stays where the therapist was.
  function refocus(root) {
    var holder = root.closest ? root.closest("[data-focus]") || root.querySelector("[data-focus]") : null;
    if (holder) {
      var target = document.getElementById(holder.dataset.focus);
      delete holder.dataset.focus;
      if (target) { target.focus(); }
    }
  }
  document.addEventListener("DOMContentLoaded", function () { quiet(document); });
  document.addEventListener("htmx:afterSettle", function (event) {
    quiet(document);
    refocus(document);
  });
})();
