// Loaded into the export's Chromium page after plotly.js (dashboard/exports/bundle.py, ChartRenderer).

// Printed maps (dashboard/figures/charts.py, printed=True) draw only the municipality shapes they carry, with no
// base map, yet plotly.js fetches its world outline before it draws any geo map. An empty outline lets an export
// draw its maps without network access; TOPOJSON_URL points at the page's own folder, so a map that needed another
// outline would fail the export instead of reaching the network.
window.PlotlyGeoAssets.topojson.world_110m = {type: "Topology", objects: {}, arcs: []};
const TOPOJSON_URL = new URL("./", document.baseURI).href;

// One chart, drawn once, in the asked formats ("svg", "png"): the SVG as text, and the PNG rasterised from that same
// SVG at `scale` (what Plotly.toImage does for a PNG after drawing the chart again). Returns JSON text:
// {"svg": "<svg …", "png": "<base64>"}.
window.raakDraw = async function (figure, width, height, scale, formats) {
  const svg = await Plotly.toImage(
    {data: figure.data, layout: figure.layout, config: {topojsonURL: TOPOJSON_URL}},
    {format: "svg", width: width, height: height, imageDataOnly: true},
  );
  const images = {};
  if (formats.includes("svg")) {
    images.svg = svg;
  }
  if (formats.includes("png")) {
    const canvas = document.createElement("canvas");
    const url = await Plotly.Snapshot.svgToImg(
      {format: "png", width: width, height: height, scale: scale, svg: svg, canvas: canvas, promise: true},
    );
    images.png = url.slice(url.indexOf(",") + 1);
  }
  return JSON.stringify(images);
};
