// The index's table: click a header to sort, type to filter.
(function () {
  "use strict";
  function cellValue(row, col, numeric) {
    var cell = row.cells[col];
    if (!numeric) { return cell.textContent; }
    var v = cell.getAttribute("data-v");
    return parseFloat(v === null ? cell.textContent : v);
  }
  function init() {
    var table = document.getElementById("files");
    if (!table) { return; }
    var body = table.tBodies[0];
    var rows = Array.prototype.slice.call(body.rows);
    var headers = table.tHead.rows[0].cells;
    Array.prototype.forEach.call(headers, function (th, col) {
      th.addEventListener("click", function () {
        var numeric = th.getAttribute("data-sort") === "num";
        var asc = th.getAttribute("aria-sort") !== "ascending";
        Array.prototype.forEach.call(headers, function (h) { h.removeAttribute("aria-sort"); });
        th.setAttribute("aria-sort", asc ? "ascending" : "descending");
        rows.sort(function (a, b) {
          var x = cellValue(a, col, numeric), y = cellValue(b, col, numeric);
          var c = numeric ? x - y : (x < y ? -1 : x > y ? 1 : 0);
          return asc ? c : -c;
        });
        rows.forEach(function (r) { body.appendChild(r); });
      });
    });
    var filter = document.getElementById("filter");
    var shown = document.getElementById("shown");
    filter.addEventListener("input", function () {
      var q = filter.value.toLowerCase(), n = 0;
      rows.forEach(function (r) {
        var hit = r.cells[0].textContent.toLowerCase().indexOf(q) !== -1;
        r.hidden = !hit;
        if (hit) { n += 1; }
      });
      shown.textContent = q ? n + " of " + rows.length + " files" : "";
    });
    document.body.setAttribute("data-script", "ready");
  }
  if (document.readyState === "loading") {
    document.addEventListener("DOMContentLoaded", init);
  } else {
    init();
  }
})();
