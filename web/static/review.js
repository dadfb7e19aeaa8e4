// /review: one keystroke per verdict. 1-5 confirm that rank, x marks the point off-topic, n skips.
(function () {
  "use strict";
  document.addEventListener("keydown", function (e) {
    if (e.ctrlKey || e.metaKey || e.altKey) return;
    var t = e.target;
    if (t && (t.isContentEditable || /^(INPUT|TEXTAREA|SELECT)$/.test(t.tagName))) return;
    var key = e.key.toLowerCase();
    if (!/^[1-5xn]$/.test(key)) return;
    var el = document.querySelector('[data-key="' + key + '"]');
    if (!el) return;
    e.preventDefault();
    el.click();
  });
})();
