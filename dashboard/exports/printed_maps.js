// Loaded into the export's Chromium page after plotly.js (dashboard/exports/bundle.py).
// Printed maps (dashboard/figures/charts.py, printed=True) draw only the municipality shapes they carry, with no
// base map, yet plotly.js fetches its world outline from a CDN before it draws any geo map. An empty outline lets
// an export draw its maps without network access.
window.PlotlyGeoAssets.topojson.world_110m = {type: "Topology", objects: {}, arcs: []};
