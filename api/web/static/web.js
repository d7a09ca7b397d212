/* Samkørsel web pages: small progressive enhancements (no inline scripts: the pages'
 * Content-Security-Policy allows scripts from this server only). Every page works without
 * them: search and sort are also done by the server, address suggestions also on submit. */
(function () {
  "use strict";

  // The page's map, drawn from its JSON data.
  var data = document.getElementById("kort-data");
  var element = document.getElementById("kort");
  if (data && element && window.SamkorselMap && data.textContent.trim()) {
    window.SamkorselMap.draw(element, JSON.parse(data.textContent));
  }

  // Live search in a table: <input data-filter="#table-id">.
  // Several tables: data-filter="#a, #b" (the count line is only the riders table's).
  document.querySelectorAll("input[data-filter]").forEach(function (input) {
    var tables = document.querySelectorAll(input.getAttribute("data-filter"));
    var count = document.getElementById("antal");
    if (!tables.length) { return; }
    var rows = [];
    Array.prototype.forEach.call(tables, function (table) {
      rows = rows.concat(Array.prototype.slice.call(table.tBodies[0].rows));
    });
    input.addEventListener("input", function () {
      var needle = input.value.trim().toLowerCase();
      var shown = 0;
      rows.forEach(function (row) {
        var hit = !needle || row.textContent.toLowerCase().indexOf(needle) >= 0;
        row.hidden = !hit;
        if (hit) { shown += 1; }
      });
      if (count) { count.textContent = shown + " af " + rows.length + " viste borgere."; }
    });
  });

  // Sorting a table.sortable by a click on a column header (no reload).
  document.querySelectorAll("table.sortable").forEach(function (table) {
    var headers = table.tHead.rows[0].cells;
    Array.prototype.forEach.call(headers, function (th, column) {
      th.classList.add("sort");
      var link = th.querySelector("a");
      var target = link || th;
      target.addEventListener("click", function (event) {
        event.preventDefault();
        var ascending = th.getAttribute("aria-sort") !== "ascending";
        Array.prototype.forEach.call(headers, function (h) { h.setAttribute("aria-sort", "none"); });
        th.setAttribute("aria-sort", ascending ? "ascending" : "descending");
        var body = table.tBodies[0];
        var rows = Array.prototype.slice.call(body.rows);
        rows.sort(function (a, b) {
          var x = a.cells[column].textContent.trim(), y = b.cells[column].textContent.trim();
          return (ascending ? 1 : -1) * x.localeCompare(y, "da", {numeric: true});
        });
        rows.forEach(function (row) { body.appendChild(row); });
      });
    });
  });

  // Address suggestions while typing: <input data-suggest="/web/adresser" list="…">.
  document.querySelectorAll("input[data-suggest]").forEach(function (input) {
    var list = document.getElementById(input.getAttribute("list"));
    var timer = null;
    input.addEventListener("input", function () {
      clearTimeout(timer);
      timer = setTimeout(function () {
        if (input.value.trim().length < 3) { return; }
        fetch(input.getAttribute("data-suggest") + "?q=" + encodeURIComponent(input.value),
              {credentials: "same-origin"})
          .then(function (r) { return r.ok ? r.json() : {suggestions: []}; })
          .then(function (answer) {
            list.textContent = "";
            var seen = {};
            var items = (answer.found ? [answer.found] : []).concat(answer.suggestions || []);
            items.forEach(function (s) {
              if (seen[s.label]) { return; }
              seen[s.label] = true;
              var option = document.createElement("option");
              option.value = s.label;
              list.appendChild(option);
            });
          })
          .catch(function () { /* offline or logged out: the server checks on submit */ });
      }, 200);
    });
  });
}());
