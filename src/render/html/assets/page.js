// A file page: `j`/`k` go to the next/previous run of missed or partial lines, `n`/`p` to the next/previous run of
// lines the PR changed; the header's links do the same when clicked. Without the script the links still lead to the
// first of each.
(function () {
  "use strict";
  function matches(row, kind) {
    if (!row || row.tagName !== "TR") { return false; }
    if (kind === "m") { return row.classList.contains("m") || row.classList.contains("p"); }
    return row.cells.length > 0 && row.cells[0].classList.contains("on");
  }
  // The line numbers where a run of `kind` starts, in order.
  function starts(kind) {
    var rows = document.querySelectorAll("table.src tr");
    var out = [];
    for (var i = 0; i < rows.length; i++) {
      if (matches(rows[i], kind) && !matches(rows[i - 1], kind)) { out.push(parseInt(rows[i].id.slice(1), 10)); }
    }
    return out;
  }
  // The line the reader is at: the one in the address, else the first one on screen.
  function here() {
    var m = /^#L(\d+)$/.exec(location.hash);
    if (m) { return parseInt(m[1], 10); }
    var rows = document.querySelectorAll("table.src tr");
    for (var i = 0; i < rows.length; i++) {
      if (rows[i].getBoundingClientRect().top >= 0) { return parseInt(rows[i].id.slice(1), 10) - 1; }
    }
    return 0;
  }
  function jump(kind, forward) {
    var list = starts(kind);
    if (!list.length) { return false; }
    var at = here();
    var next = forward ? list.filter(function (n) { return n > at; })[0] : list.filter(function (n) { return n < at; }).pop();
    // Past the last run, wrap around.
    if (next === undefined) { next = forward ? list[0] : list[list.length - 1]; }
    location.hash = "L" + next;
    return true;
  }
  var keys = { j: ["m", true], k: ["m", false], n: ["c", true], p: ["c", false] };
  document.addEventListener("keydown", function (e) {
    if (e.ctrlKey || e.metaKey || e.altKey || (e.target && /INPUT|TEXTAREA/.test(e.target.tagName))) { return; }
    var key = keys[e.key];
    if (key && jump(key[0], key[1])) { e.preventDefault(); }
  });
  document.addEventListener("click", function (e) {
    var link = e.target.closest && e.target.closest("a[data-jump]");
    if (link && jump(link.getAttribute("data-jump"), true)) { e.preventDefault(); }
  });
  document.addEventListener("DOMContentLoaded", function () { document.body.setAttribute("data-script", "ready"); });
})();
