// Casebook's own script. No inline scripts anywhere: this file is the only place for behaviour.
// A button marked data-once is disabled after its form is submitted, so a double-click sends once.
// (The server also refuses a repeated submission: this only spares the wait.)
document.addEventListener("submit", function (event) {
  var form = event.target;
  form.querySelectorAll("button[data-once]").forEach(function (button) {
    window.setTimeout(function () { button.disabled = true; }, 0);
  });
});

// The case page's section links say which one is shown, for screen readers too (the stylesheet
// already shows the section the address names; this only adds aria-current).
function markCaseTab() {
  var links = document.querySelectorAll(".case-tab-links .nav-link");
  if (!links.length) { return; }
  var target = window.location.hash ? document.getElementById(window.location.hash.slice(1)) : null;
  var tab = target ? target.closest(".case-tab") : null;
  var shown = tab ? tab.id : "overview";
  links.forEach(function (link) {
    if (link.dataset.tab === shown) { link.setAttribute("aria-current", "page"); } else { link.removeAttribute("aria-current"); }
  });
}
document.addEventListener("DOMContentLoaded", markCaseTab);
window.addEventListener("hashchange", markCaseTab);

// A form sent back with errors: its summary ("There is a problem") takes the focus, so a screen
// reader reads it and a keyboard user starts there; each link moves the focus to its field and shows
// the field with its label (a plain jump to the id would scroll the label out of sight).
function focusErrorSummary() {
  var summary = document.querySelector("[data-error-summary]");
  if (summary) { summary.focus(); }
}
if (document.readyState === "loading") {
  document.addEventListener("DOMContentLoaded", focusErrorSummary);
} else {
  focusErrorSummary();
}
document.addEventListener("click", function (event) {
  var link = event.target.closest ? event.target.closest("[data-error-summary] a[href^='#']") : null;
  if (!link) { return; }
  var field = document.getElementById(link.getAttribute("href").slice(1));
  if (!field) { return; }
  event.preventDefault();
  var group = field.closest("fieldset, .mb-3") || field;
  group.scrollIntoView();
  field.focus({ preventScroll: true });
});

// Long work started by a form or a link marked data-busy="Preparing the export…": while it runs, a
// spinner and that message show next to it (role=status, so it is read out). A page that follows
// replaces them. A download (data-download) leaves the page in place, so the request carries a
// random token that the response sets in a cookie (incidents/downloads.py); once it is there the
// message goes, and the control works again.
var DOWNLOAD_COOKIE = "casebook_download";

function busyMessage(control, text) {
  var note = document.createElement("p");
  note.className = "busy-note small mt-1 mb-0";
  note.setAttribute("role", "status");
  note.setAttribute("data-testid", "busy");
  var spinner = document.createElement("span");
  spinner.className = "spinner-border spinner-border-sm me-1";
  spinner.setAttribute("aria-hidden", "true");
  note.appendChild(spinner);
  note.appendChild(document.createTextNode(text));
  control.insertAdjacentElement("afterend", note);
  return note;
}

function downloadToken() {
  var bytes = new Uint8Array(12);
  window.crypto.getRandomValues(bytes);
  return Array.prototype.map.call(bytes, function (b) { return ("0" + b.toString(16)).slice(-2); }).join("");
}

function whenDownloaded(token, done) {
  var timer = window.setInterval(function () {
    if (document.cookie.split("; ").indexOf(DOWNLOAD_COOKIE + "=" + token) !== -1) {
      window.clearInterval(timer);
      document.cookie = DOWNLOAD_COOKIE + "=; Max-Age=0; path=/; SameSite=Strict";
      done();
    }
  }, 500);
}

function startBusy(control, form) {
  var text = control.getAttribute("data-busy");
  var note = busyMessage(control, text);
  if (!control.hasAttribute("data-download")) { return null; }
  var token = downloadToken();
  whenDownloaded(token, function () {
    note.remove();
    control.removeAttribute("aria-disabled");
    var button = form ? form.querySelector("button[type=submit]") : null;
    if (button) { button.disabled = false; }
  });
  return token;
}

document.addEventListener("submit", function (event) {
  var form = event.target;
  var control = form.matches("[data-busy]") ? form : form.querySelector("[data-busy]");
  if (!control || event.defaultPrevented) { return; }
  form.querySelectorAll(".busy-note").forEach(function (old) { old.remove(); });
  var token = startBusy(control, form);
  if (token) {
    var field = form.querySelector("input[name=download_token]");
    if (!field) {
      field = document.createElement("input");
      field.type = "hidden";
      field.name = "download_token";
      form.appendChild(field);
    }
    field.value = token;
    // A download leaves this page in place: the button comes back when the file has arrived.
    form.querySelectorAll("button[data-once]").forEach(function (button) { button.removeAttribute("data-once"); });
  }
});

document.addEventListener("click", function (event) {
  var link = event.target.closest ? event.target.closest("a[data-busy]") : null;
  if (!link || link.getAttribute("aria-disabled") === "true") {
    if (link) { event.preventDefault(); }
    return;
  }
  var token = startBusy(link, null);
  if (token) {
    var url = new URL(link.href, window.location.href);
    url.searchParams.set("download_token", token);
    link.href = url.toString();
    link.setAttribute("aria-disabled", "true");
  }
});

// A placeholder button (data-insert) puts its text where the cursor is in the field it names
// (data-insert-into), then tells the form it changed so that the live preview follows.
document.addEventListener("click", function (event) {
  var button = event.target.closest("[data-insert]");
  if (!button) { return; }
  var field = document.getElementById(button.getAttribute("data-insert-into"));
  if (!field) { return; }
  field.setRangeText(button.getAttribute("data-insert"), field.selectionStart, field.selectionEnd, "end");
  field.focus();
  field.dispatchEvent(new Event("input", { bubbles: true }));
});
