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
