// Script errors are shown on the page, not only in a console (before the index's or a file page's own script).
(function () {
  "use strict";
  window.addEventListener("error", function (e) {
    var box = document.getElementById("js-error") || document.createElement("pre");
    box.id = "js-error";
    box.textContent = "script error: " + e.message;
    document.body.insertBefore(box, document.body.firstChild);
  });
})();
