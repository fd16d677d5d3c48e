/**
 * jsforce's core without its API plugins (bulk, metadata, SOAP, streaming, tooling, analytics,
 * chatter), in the build the Worker bundles (the package's "browser" one, as for "jsforce"
 * itself). It ships no types of its own: they are those of the Node build's core.
 */
declare module "jsforce/browser/core" {
  export * from "jsforce/lib/core";
}
