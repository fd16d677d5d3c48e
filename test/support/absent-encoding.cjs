// Stands in for the optional `encoding` package node-fetch looks for (vitest.config.ts): without a
// `convert` export, node-fetch behaves exactly as when the package is not installed.
module.exports = {};
