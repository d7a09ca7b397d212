/* The pin page: a draggable marker on the bundled road network (Leaflet, no tiles), the
 * coordinates kept in the form's fields, and the door-to-stop distance asked from the server
 * (where the vehicle will stop on the nearest road) after every move. */
(function () {
  "use strict";
  var el = document.getElementById("naal-kort");
  if (!el || !window.L) { return; }
  // The form fields the pin fills (the pin page's own, or a master-data form's).
  var lat = document.getElementById(el.getAttribute("data-lat-field") || "lat");
  var lon = document.getElementById(el.getAttribute("data-lon-field") || "lon");
  if (!lat || !lon) { return; }
  var text = document.getElementById("afstand");
  var start = [parseFloat(el.getAttribute("data-lat")), parseFloat(el.getAttribute("data-lon"))];
  var map = L.map(el, {zoomControl: true}).setView(start, 17);
  map.attributionControl.addAttribution("© OpenStreetMap contributors");
  L.control.scale({imperial: false}).addTo(map);
  var roads = L.geoJSON(null, {interactive: false, style: function (f) {
    var major = f.properties && f.properties["class"] === "major";
    return major ? {color: "#e0b36a", weight: 4, opacity: 0.9}
                 : {color: "#8a8a8a", weight: 2, opacity: 0.9};
  }}).addTo(map);
  fetch(el.getAttribute("data-roads"), {credentials: "same-origin"})
    .then(function (r) { return r.ok ? r.json() : null; })
    .then(function (data) { if (data) { roads.addData(data); el.setAttribute("data-base", "roads"); } })
    .catch(function () { /* the pin still works without the roads */ });
  var pin = L.marker(start, {draggable: true, autoPan: true, title: "Træk nålen",
    icon: L.divIcon({className: "sk-pin", iconSize: [26, 26], iconAnchor: [13, 26],
                     html: '<span style="display:block;width:26px;height:26px;border-radius:50% 50% 50% 0;' +
                           'background:#c0392b;border:3px solid #fff;transform:rotate(-45deg);' +
                           'box-shadow:0 1px 4px rgba(0,0,0,.5)"></span>'})}).addTo(map);
  var stopMark = null, walk = null;

  function showStop(stopLat, stopLon) {
    var here = pin.getLatLng();
    if (stopMark) { map.removeLayer(stopMark); map.removeLayer(walk); }
    stopMark = L.circleMarker([stopLat, stopLon], {radius: 7, color: "#1f4e79", weight: 3,
                                                   fillColor: "#fff", fillOpacity: 1})
      .bindTooltip("Her holder vognen").addTo(map);
    walk = L.polyline([here, [stopLat, stopLon]], {color: "#1f4e79", weight: 2, dashArray: "5 6"})
      .addTo(map);
  }

  function moved() {
    var p = pin.getLatLng();
    lat.value = p.lat.toFixed(6);
    lon.value = p.lng.toFixed(6);
    var url = el.getAttribute("data-distance");
    if (!url) { return; }
    fetch(url + "?lat=" + p.lat.toFixed(6) + "&lon=" + p.lng.toFixed(6) + "&koerestol=" +
          el.getAttribute("data-wheelchair"), {credentials: "same-origin"})
      .then(function (r) { return r.ok ? r.json() : null; })
      .then(function (answer) {
        if (!answer) { return; }
        showStop(answer.stop_lat, answer.stop_lon);
        if (text) {
          text.textContent = answer.text;
          text.className = "flash " + (answer.too_far ? "fejl" : "ok");
        }
      })
      .catch(function () { /* saving still checks on the server */ });
  }

  // A map inside a closed <details> has no size until it is opened.
  var details = el.closest("details");
  if (details) {
    details.addEventListener("toggle", function () {
      if (details.open) { map.invalidateSize(); map.setView(pin.getLatLng()); }
    });
  }
  pin.on("dragend", moved);
  map.on("click", function (event) { pin.setLatLng(event.latlng); moved(); });
  [lat, lon].forEach(function (input) {
    input.addEventListener("change", function () {
      var p = [parseFloat(lat.value.replace(",", ".")), parseFloat(lon.value.replace(",", "."))];
      if (!isNaN(p[0]) && !isNaN(p[1])) { pin.setLatLng(p); map.panTo(p); moved(); }
    });
  });
  if (el.getAttribute("data-stop-lat")) {
    showStop(parseFloat(el.getAttribute("data-stop-lat")),
             parseFloat(el.getAttribute("data-stop-lon")));
  }
}());
