/* Samkørsel: draws runs, numbered stops and centres on a Leaflet map (no build step).
 *
 * SamkorselMap.draw(element, config) — config is made by maps/webmap.py (map_config):
 *   runs[]: {run_id, vehicle_id, colour, label, group, show, line [[lat, lon]…], n_riders,
 *            start, end, distance_km, direction_text, stops[] {n, kind, kind_text, lat, lon,
 *            time, times, riders[], place}}
 *   centres[]: {centre_id, name, lat, lon}; legend[]: {label, colour}
 *   tiles: tile URL or null; roads: GeoJSON of the road network, its URL, or null;
 *   attribution: HTML; bounds: [[south, west], [north, east]] or null.
 * Base layer: the tiles when they load; on the first failing tile (offline), or without tiles,
 * the bundled road network is drawn instead. The element's data-base attribute says which
 * ("tiles" or "roads"); the attribution "© OpenStreetMap contributors" is always shown.
 */
(function () {
  "use strict";

  function esc(value) {
    return String(value === null || value === undefined ? "" : value)
      .replace(/&/g, "&amp;").replace(/</g, "&lt;").replace(/>/g, "&gt;")
      .replace(/"/g, "&quot;").replace(/'/g, "&#39;");
  }

  function roadsLayer(roads) {
    var layer = L.geoJSON(null, {
      interactive: false,
      style: function (feature) {
        var major = feature.properties && feature.properties["class"] === "major";
        return major ? {color: "#e0b36a", weight: 3.5, opacity: 0.9}
                     : {color: "#9a9a9a", weight: 1.6, opacity: 0.9};
      }
    });
    if (typeof roads === "string") {
      fetch(roads, {credentials: "same-origin"})
        .then(function (r) { return r.ok ? r.json() : null; })
        .then(function (data) { if (data) { layer.addData(data); } })
        .catch(function () { /* no roads: the runs are still drawn */ });
    } else if (roads) {
      layer.addData(roads);
    }
    return layer;
  }

  function stopIcon(stop, colour) {
    if (stop.kind === "depot") {
      return L.divIcon({className: "sk-depot", iconSize: [12, 12],
                        html: '<span style="border-color:' + esc(colour) + '"></span>'});
    }
    if (stop.kind === "wait") {  // a run's start or end at a centre: the vehicle waits there
      return L.divIcon({className: "sk-wait", iconSize: [10, 10],
                        html: '<span style="border-color:' + esc(colour) + '"></span>'});
    }
    var hollow = stop.kind === "dropoff";
    var style = hollow ? "background:#fff;color:" + esc(colour) + ";border-color:" + esc(colour)
                       : "background:" + esc(colour) + ";border-color:#fff";
    return L.divIcon({className: "sk-stop", iconSize: [22, 22], iconAnchor: [11, 11],
                      html: '<span style="' + style + '">' + esc(stop.n) + "</span>"});
  }

  function stopPopup(run, stop) {
    var riders = stop.riders && stop.riders.length
      ? "<br>" + esc(stop.riders.length) + " borger(e): " + esc(stop.riders.join(", ")) : "";
    return '<div class="sk-popup"><b>' + (stop.n ? "Stop " + esc(stop.n) + " · " : "") +
      esc(stop.kind_text) + "</b><br>" + esc(stop.place) + "<br>" + esc(stop.times) + riders +
      "<br><small>Tur " + esc(run.run_id) + " · vogn " + esc(run.vehicle_id) + "</small></div>";
  }

  function runPopup(run) {
    return '<div class="sk-popup"><b>Tur ' + esc(run.run_id) + "</b><br>" + esc(run.label) +
      "<br>Vogn " + esc(run.vehicle_id) + " · " + esc(run.direction_text) +
      "<br>" + esc(run.start) + "–" + esc(run.end) + " · " + esc(run.distance_km) + " km · " +
      esc(run.n_riders) + " borger(e)</div>";
  }

  function draw(element, config) {
    var el = typeof element === "string" ? document.getElementById(element) : element;
    var map = L.map(el, {maxZoom: 19, zoomSnap: 0.5});
    map.attributionControl.addAttribution(config.attribution);
    L.control.scale({imperial: false}).addTo(map);

    var roads = null;
    function showRoads() {
      if (roads === null) {
        roads = roadsLayer(config.roads);
      }
      if (!map.hasLayer(roads)) {
        roads.addTo(map);
        roads.bringToBack();
      }
      el.setAttribute("data-base", "roads");
    }
    if (config.tiles) {
      var tiles = L.tileLayer(config.tiles, {maxZoom: 19});
      var loaded = false;
      tiles.on("tileload", function () {
        loaded = true;
        el.setAttribute("data-base", "tiles");
      });
      tiles.on("tileerror", function () {
        // Offline (or the tile server is down): draw the bundled roads instead.
        if (map.hasLayer(tiles)) { map.removeLayer(tiles); }
        showRoads();
      });
      tiles.addTo(map);
      el.setAttribute("data-base", "loading");
      window.setTimeout(function () { if (!loaded && map.hasLayer(tiles)) {
        map.removeLayer(tiles); showRoads(); } }, 6000);
    } else {
      showRoads();
    }

    var groups = {};
    var order = [];
    (config.runs || []).forEach(function (run) {
      if (!groups[run.group]) {
        groups[run.group] = L.featureGroup();
        order.push(run.group);
        groups[run.group].show = false;
      }
      var group = groups[run.group];
      group.show = group.show || run.show;
      L.polyline(run.line, {color: run.colour, weight: 5, opacity: 0.85})
        .bindPopup(runPopup(run)).bindTooltip(esc(run.label), {sticky: true}).addTo(group);
      run.stops.forEach(function (stop) {
        L.marker([stop.lat, stop.lon], {icon: stopIcon(stop, run.colour),
                                        zIndexOffset: stop.kind === "depot" || stop.kind === "wait" ? -100 : 0,
                                        title: (stop.n ? stop.n + " " : "") + stop.kind_text})
          .bindPopup(stopPopup(run, stop)).addTo(group);
      });
    });
    var overlays = {};
    order.forEach(function (name) {
      overlays['<span class="sk-group">' + esc(name) + "</span>"] = groups[name];
      if (groups[name].show) { groups[name].addTo(map); }
    });
    var centres = L.featureGroup();
    (config.centres || []).forEach(function (c) {
      L.marker([c.lat, c.lon], {icon: L.divIcon({className: "sk-centre", iconSize: [26, 26],
                                                 iconAnchor: [13, 13], html: "<span>C</span>"}),
                                zIndexOffset: 500, title: c.name})
        .bindPopup('<div class="sk-popup"><b>' + esc(c.name) + "</b><br>Center " +
                   esc(c.centre_id) + "</div>")
        .bindTooltip(esc(c.name)).addTo(centres);
    });
    centres.addTo(map);
    overlays["Centre"] = centres;
    if (order.length) {
      L.control.layers(null, overlays, {collapsed: order.length > 8}).addTo(map);
    }
    if (config.legend && config.legend.length) {
      var legend = L.control({position: "bottomleft"});
      legend.onAdd = function () {
        var div = L.DomUtil.create("div", "sk-legend");
        div.innerHTML = config.legend.map(function (item) {
          return '<div><span class="sk-swatch" style="background:' + esc(item.colour) +
            '"></span>' + esc(item.label) + "</div>";
        }).join("");
        return div;
      };
      legend.addTo(map);
    }
    if (config.bounds) {
      map.fitBounds(config.bounds, {padding: [20, 20], maxZoom: 16});
    } else {
      map.setView([56.0, 10.5], 7);
    }
    el.samkorselMap = map;
    el.setAttribute("data-ready", "1");
    return map;
  }

  window.SamkorselMap = {draw: draw};
}());
