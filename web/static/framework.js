// Framework page: filter principles by code, short title, synonyms and text as you type.
// Without JavaScript the box stays hidden and the page is a plain list.
(function () {
  "use strict";
  var box = document.getElementById("principle-filter");
  if (!box) return;
  box.hidden = false;
  var input = box.querySelector("input");
  var count = box.querySelector("output");
  var rows = Array.prototype.slice.call(document.querySelectorAll("tr[data-search]"));
  function apply() {
    var words = input.value.toLowerCase().split(/\s+/).filter(Boolean);
    var shown = 0;
    rows.forEach(function (row) {
      var text = row.getAttribute("data-search");
      var hit = words.every(function (w) { return text.indexOf(w) !== -1; });
      row.hidden = !hit;
      if (hit) shown += 1;
    });
    document.querySelectorAll("section.component").forEach(function (sec) {
      sec.hidden = words.length > 0 && !sec.querySelector("tr[data-search]:not([hidden])");
    });
    count.textContent = words.length ? shown + " of " + rows.length + " principles" : "";
  }
  input.addEventListener("input", apply);
  apply();
})();
