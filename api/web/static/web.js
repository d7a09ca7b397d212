/* Samkørsel web pages: draw the page's map from its JSON data (no inline scripts: the pages'
 * Content-Security-Policy allows scripts from this server only). */
(function () {
  "use strict";
  var data = document.getElementById("kort-data");
  var element = document.getElementById("kort");
  if (data && element && window.SamkorselMap && data.textContent.trim()) {
    window.SamkorselMap.draw(element, JSON.parse(data.textContent));
  }
}());
