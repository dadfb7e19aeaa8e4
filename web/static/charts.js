/* Draws the overview charts from the JSON the page embeds; plotly.js is served by the app itself. */
(function () {
  "use strict";
  var node = document.getElementById("chart-data");
  if (!node || !window.Plotly) { return; }
  var data = JSON.parse(node.textContent);
  var config = {displaylogo: false, responsive: true, modeBarButtonsToRemove: ["sendDataToCloud"]};
  var layout = function (extra) {
    var base = {margin: {l: 260, r: 20, t: 10, b: 40}, font: {family: "system-ui, sans-serif", size: 12},
                paper_bgcolor: "rgba(0,0,0,0)", plot_bgcolor: "rgba(0,0,0,0)"};
    for (var k in extra) { base[k] = extra[k]; }
    return base;
  };
  var rev = function (a) { return a.slice().reverse(); };
  var t = data.themes;
  Plotly.newPlot("chart-sizes", [{type: "bar", orientation: "h", y: rev(t.labels), x: rev(t.sizes),
    marker: {color: "#3465a4"}, hovertemplate: "%{y}: %{x} points<extra></extra>"}],
    layout({height: 40 + 24 * t.labels.length}), config);
  var s = data.sentiment;
  var colours = {negative: "#c0392b", neutral: "#95a5a6", positive: "#27864a"};
  Plotly.newPlot("chart-sentiment", ["negative", "neutral", "positive"].map(function (k) {
    return {type: "bar", orientation: "h", name: k, y: rev(s.labels), x: rev(s[k]), marker: {color: colours[k]}};
  }), layout({barmode: "stack", height: 60 + 24 * s.labels.length, legend: {orientation: "h"}}), config);
  var h = data.heatmap;
  if (h.principles.length && document.getElementById("chart-heatmap")) {
    Plotly.newPlot("chart-heatmap", [{type: "heatmap", z: h.z, x: h.themes, y: h.principles,
      text: h.principle_texts.map(function (txt) { return h.themes.map(function () { return txt; }); }),
      colorscale: "Blues", reversescale: true, hovertemplate: "%{y} %{text}<br>%{x}: %{z} points<extra></extra>"}],
      layout({height: 160 + 18 * h.principles.length, margin: {l: 60, r: 20, t: 10, b: 160},
              xaxis: {tickangle: 40, automargin: true}, yaxis: {autorange: "reversed", type: "category"}}), config);
  }
}());
