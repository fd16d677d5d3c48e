/** The Slack app manifest an admin pastes into "Create an app → From a manifest". */
export const SLACK_MANIFEST_FILE = "slack/manifest.json";
/** The Worker's route for button clicks (block_actions). */
export const SLACK_INTERACTIONS_PATH = "/slack/interactions";

interface Manifest {
  settings: { interactivity: { request_url: string } };
}

/** The manifest with its interactivity URL at the admin's Worker. */
export function slackManifestFor<M extends Manifest>(manifest: M, workerUrl: string): M {
  const origin = new URL(workerUrl);
  if (origin.protocol !== "https:") throw new Error(`Slack calls https URLs only: ${workerUrl}`);
  const request_url = `${origin.origin}${origin.pathname.replace(/\/$/, "")}${SLACK_INTERACTIONS_PATH}`;
  return { ...manifest, settings: { ...manifest.settings, interactivity: { ...manifest.settings.interactivity, request_url } } };
}
