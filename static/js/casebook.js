// Casebook's own script. No inline scripts anywhere: this file is the only place for behaviour.
// A button marked data-once is disabled after its form is submitted, so a double-click sends once.
// (The server also refuses a repeated submission: this only spares the wait.)
document.addEventListener("submit", function (event) {
  var form = event.target;
  form.querySelectorAll("button[data-once]").forEach(function (button) {
    window.setTimeout(function () { button.disabled = true; }, 0);
  });
});

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
