import { describe } from "vitest";
import { bookingWalkthrough } from "./booking.walkthrough";
import { consoleWalkthrough } from "./console.walkthrough";
import { emailWalkthrough } from "./email.walkthrough";
import { consoleManagerWalkthrough } from "./console-manager.walkthrough";
import { exampleFormWalkthrough } from "./example-form.walkthrough";
import { browserAvailable, devSession } from "./harness";

/**
 * The walkthroughs in headless Chromium share one `npm run dev`. The example form and booking go
 * first: the console's walkthrough sets a stale threshold of seconds, which would reach the form's new lead.
 * The email walkthrough puts back the policy it found.
 */
describe.skipIf(!browserAvailable())("npm run dev in a browser", { timeout: 180_000 }, () => {
  const session = devSession();
  exampleFormWalkthrough(session);
  emailWalkthrough(session);
  bookingWalkthrough(session);
  consoleWalkthrough(session);
  consoleManagerWalkthrough(session);
});
