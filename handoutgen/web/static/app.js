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

  // Print and Download: the PDF is fetched by a POST from here and opened or saved from a
  // blob: address, revoked soon after. Never a form posted as a navigation: the browser keeps
  // those (with the name) in its session files, and "reopen closed tab" would post them again.
  var KEEP_MS = 60000; // the viewer has read the PDF long before; then its address is gone
  var made = [];
  function forget(url) {
    URL.revokeObjectURL(url);
    made = made.filter(function (u) { return u !== url; });
  }
  window.addEventListener("pagehide", function () { made.slice().forEach(forget); });

  function fileName(answer) {
    var header = answer.headers.get("Content-Disposition") || "";
    var plain = /filename="?([^";]+)"?/i.exec(header);
    return plain ? plain[1] : "handout.pdf";
  }

  function token() {
    try {
      return JSON.parse(document.body.getAttribute("hx-headers") || "{}")["X-CSRF-Token"] || "";
    } catch (e) { return ""; }
  }

  function showAnswer(html) {
    // Problems (beside their fields) or a refusal: shown where the page's picture goes.
    var place = document.getElementById("preview");
    if (window.htmx && place) {
      window.htmx.swap(place, html, { swapStyle: "innerHTML" });
    }
  }

  function pdf(button) {
    var formEl = button.form;
    var action = button.dataset.pdf;
    var data = new FormData(formEl);
    data.set("action", action);
    // A tab for the PDF now, while the click still counts as the therapist's (popup blockers).
    var tab = action === "print" ? window.open("", "_blank") : null;
    button.disabled = true;
    // getAttribute: the form's own .action would be its fields named "action" (the buttons).
    fetch(formEl.getAttribute("action"), {
      method: "POST", body: data, credentials: "same-origin", cache: "no-store", referrerPolicy: "no-referrer",
      headers: { "X-CSRF-Token": token(), "HX-Request": "true" }
    }).then(function (answer) {
      var type = answer.headers.get("Content-Type") || "";
      if (answer.ok && type.indexOf("application/pdf") === 0) {
        return answer.blob().then(function (blob) {
          var url = URL.createObjectURL(blob);
          made.push(url);
          if (action === "print") {
            if (tab) { tab.location.href = url; } else { window.open(url, "_blank"); }
          } else {
            var link = document.createElement("a");
            link.href = url;
            link.download = fileName(answer);
            link.hidden = true;
            document.body.appendChild(link);
            link.click();
            link.remove();
          }
          window.setTimeout(function () { forget(url); }, KEEP_MS);
        });
      }
      if (tab) { tab.close(); }
      return answer.text().then(showAnswer);
    }).catch(function () {
      if (tab) { tab.close(); }
      showAnswer('<div class="problems" role="alert"><p>The PDF could not be fetched: is the server still ' +
                 "running? Reload the page and try again.</p></div>");
    }).then(function () { button.disabled = false; });
  }

  document.addEventListener("click", function (event) {
    var button = event.target.closest ? event.target.closest("button[data-pdf]") : null;
    if (button) {
      event.preventDefault();
      pdf(button);
    }
  });
  // The form is never submitted as a navigation (Enter in a field, or anything else).
  document.addEventListener("submit", function (event) {
    if (event.target.id === "handout-form") { event.preventDefault(); }
  });

  document.addEventListener("DOMContentLoaded", function () { quiet(document); });
  document.addEventListener("htmx:afterSettle", function () {
    quiet(document);
    refocus(document);
  });
})();
