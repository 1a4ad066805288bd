// Exercises: make autosave failures visible. A static file, because the CSP forbids inline script.
//
// - 409 (saved over another window's save, or locked) and 422 (refused, nothing saved)
//   carry a message fragment: show it instead of dropping it as htmx does with errors.
// - An answer that is not ours (the sign-in page after the session ended), a server
//   error, a lost connection or a timeout: say "not saved" beside the question.
// - Handing in waits until every running save has finished.
(function () {
  "use strict";

  var MARK = "data-exercises-fragment";

  function root(elt) {
    return elt && elt.closest ? elt.closest("[data-exercises]") : null;
  }

  function message(elt, name) {
    var r = root(elt);
    return (r && r.dataset[name]) || "Not saved.";
  }

  function stateOf(elt) {
    var form = elt.closest ? elt.closest("form") : null;
    var state = form && form.querySelector(".save-state");
    if (!state) {
      var r = root(elt);
      state = r && r.querySelector("[data-exercises-alert]");
    }
    return state;
  }

  function showFailure(elt, name) {
    var state = stateOf(elt);
    if (!state) { return; }
    var span = state.querySelector("span");
    if (!span) {
      span = document.createElement("span");
      state.appendChild(span);
    }
    span.textContent = message(elt, name);
    state.classList.remove("is-saved", "is-conflict");
    state.classList.add("save-failed");
    state.setAttribute("role", "alert");
    state.hidden = false;
  }

  document.addEventListener("htmx:beforeSwap", function (event) {
    var d = event.detail;
    if (!root(d.elt)) { return; }
    var ours = (d.xhr.responseText || "").indexOf(MARK) >= 0;
    if ((d.xhr.status === 409 || d.xhr.status === 422) && ours) {
      d.shouldSwap = true;
      d.isError = false;
    } else if (d.xhr.status < 300 && !ours) {
      // Redirected to the sign-in page: the session ended, nothing was saved.
      d.shouldSwap = false;
      showFailure(d.elt, "msgSignedOut");
    }
  });

  document.addEventListener("htmx:responseError", function (event) {
    var d = event.detail;
    if (!root(d.elt)) { return; }
    // 400: the CSRF token died with the session (signed out elsewhere); 401/403: signed out or no access.
    if (d.xhr && (d.xhr.status === 400 || d.xhr.status === 401 || d.xhr.status === 403)) {
      showFailure(d.elt, "msgSignedOut");
    } else {
      showFailure(d.elt, "msgFailed");
    }
  });

  function offline(event) {
    if (root(event.detail.elt)) { showFailure(event.detail.elt, "msgOffline"); }
  }
  document.addEventListener("htmx:sendError", offline);
  document.addEventListener("htmx:timeout", offline);

  // Typing marks the answer as not yet saved until the save comes back.
  document.addEventListener("input", function (event) {
    var form = event.target.closest && event.target.closest("form[data-autosave]");
    if (!form) { return; }
    var state = form.querySelector(".save-state");
    if (!state || state.classList.contains("save-failed")) { return; }
    var span = state.querySelector("span") || state.appendChild(document.createElement("span"));
    span.textContent = message(form, "msgUnsaved");
    state.classList.remove("is-saved");
  });

  // Hand in only after running saves have finished, so the last answer is counted.
  var waiting = null;
  function busy() {
    return document.querySelector("[data-exercises] .htmx-request") !== null;
  }
  document.addEventListener("submit", function (event) {
    var form = event.target;
    if (!form.matches || !form.matches("form[data-handin]") || !busy()) { return; }
    event.preventDefault();
    waiting = form;
    var note = form.querySelector(".handin-wait");
    if (!note) {
      note = document.createElement("p");
      note.className = "hint handin-wait";
      note.setAttribute("role", "status");
      form.appendChild(note);
    }
    note.textContent = message(form, "msgWaiting");
  });
  document.addEventListener("htmx:afterRequest", function () {
    if (!waiting) { return; }
    window.setTimeout(function () {
      if (waiting && !busy()) {
        var form = waiting;
        waiting = null;
        if (form.requestSubmit) { form.requestSubmit(); } else { form.submit(); }
      }
    }, 0);
  });
})();
