// jest: style imports from node_modules (e.g. uPlot's CSS) resolve to nothing.
module.exports = {};
