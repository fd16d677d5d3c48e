import { Hono } from "hono";
import { html, raw } from "hono/html";
import { activePolicy } from "../storage/policies";
import { bookingFormOf } from "../core/policy/booking-policy";
import { CONSENT_PREFIX, currentVersion, type Form, type FormField } from "../core/policy/forms-policy";
import type { AppEnv } from "../env/app-env";
import { HttpError } from "../platform/http/errors";

/*
 * GET /forms/{key}: an example page for a policy form, when ENABLE_EXAMPLE_FORMS is on. Plain HTML
 * posting to /intake/{key}, built from the form's definition so its fields and consent texts are
 * exactly the policy's, with the Turnstile widget (the form's site key) and the few lines of script
 * a real page needs: the fill time, the browser's time zone, the page, landing page and referrer.
 */

function input(field: FormField) {
  const label = field.label ?? field.name;
  const required = field.required ? raw(" required") : "";
  const max = field.maxLength ? raw(` maxlength="${field.maxLength}"`) : "";
  const id = `f-${field.name}`;
  switch (field.type) {
    case "longText":
      return html`<label for="${id}">${label}</label><textarea id="${id}" name="${field.name}" rows="4"${required}${max}></textarea>`;
    case "choice":
      return html`<label for="${id}">${label}</label><select id="${id}" name="${field.name}"${required}>
          <option value="">Choose…</option>
          ${field.options!.map((o) => html`<option>${o}</option>`)}
        </select>`;
    case "boolean":
      return html`<label class="check"><input type="checkbox" name="${field.name}" value="true"${required} /> ${label}</label>`;
    default: {
      const type = { email: "email", phone: "tel", number: "number", country: "text", text: "text" }[field.type];
      const autocomplete = { email: "email", phone: "tel", country: "country" }[field.type as string] ?? "on";
      return html`<label for="${id}">${label}</label><input id="${id}" type="${type}" name="${field.name}" autocomplete="${autocomplete}"${required}${max} />`;
    }
  }
}

/** `booking`: the form offers a meeting right after the submission; the page shows the times below its thank-you. */
export function exampleFormPage(form: Form, turnstileScript: string, booking = false) {
  const turnstile = form.spam.turnstile?.enabled ? form.spam.turnstile : undefined;
  const interceptSubmit = !form.redirect;
  return html`<!doctype html>
<html lang="en">
  <head>
    <meta charset="utf-8" />
    <meta name="viewport" content="width=device-width, initial-scale=1" />
    <title>${form.name}</title>
    ${turnstile ? html`<script src="${turnstileScript}" async defer></script>` : ""}
    ${booking ? html`<script src="/book/embed.js" defer></script>` : ""}
    <style>
      body { font: 16px/1.5 system-ui, sans-serif; max-width: 36rem; margin: 2rem auto; padding: 0 1rem; }
      label { display: block; margin-top: 0.8rem; font-weight: 600; }
      label.check { font-weight: normal; }
      input:not([type="checkbox"]), textarea, select { width: 100%; padding: 0.4rem; box-sizing: border-box; }
      .trap { position: absolute; left: -10000px; width: 1px; height: 1px; overflow: hidden; }
      button { margin-top: 1.2rem; padding: 0.5rem 1.5rem; }
      #result { margin-top: 1rem; }
      #booking [data-lead-booking-times] { display: flex; flex-wrap: wrap; gap: 0.4rem; margin: 0.3rem 0 0.8rem; }
      #booking [data-lead-booking-day] { font-weight: 600; margin-top: 0.6rem; }
    </style>
  </head>
  <body>
    <h1>${form.name}</h1>
    <form id="intake" method="post" action="/intake/${form.key}">
      ${form.fields.map(input)}
      ${form.consents.map(
        (consent) => html`<label class="check"
          ><input type="checkbox" name="${CONSENT_PREFIX}${consent.id}" value="${currentVersion(consent).version}"${consent.required ? raw(" required") : ""} />
          ${currentVersion(consent).text}</label
        >`,
      )}
      ${form.spam.honeypotField ? html`<div class="trap" aria-hidden="true"><label>Leave this empty <input type="text" name="${form.spam.honeypotField}" tabindex="-1" autocomplete="off" /></label></div>` : ""}
      <input type="hidden" name="${form.spam.fillTimeField}" />
      <input type="hidden" name="time_zone" />
      <input type="hidden" name="page_url" />
      <input type="hidden" name="landing_page" />
      <input type="hidden" name="referrer" />
      ${turnstile ? html`<div class="cf-turnstile" data-sitekey="${turnstile.siteKey}"${turnstile.action ? html` data-action="${turnstile.action}"` : ""}></div>` : ""}
      <button type="submit">Send</button>
    </form>
    <p id="result" role="status"></p>
    <div id="booking"></div>
    <script>
      (() => {
        const started = performance.now();
        const form = document.getElementById("intake");
        const set = (name, value) => { if (form.elements[name]) form.elements[name].value = value || ""; };
        // The first page of the visit, with its UTM parameters and click ids, is the landing page.
        if (!sessionStorage.getItem("landing_page")) sessionStorage.setItem("landing_page", location.href);
        set("landing_page", sessionStorage.getItem("landing_page"));
        set("page_url", location.href);
        set("referrer", document.referrer);
        try { set("time_zone", Intl.DateTimeFormat().resolvedOptions().timeZone); } catch {}
        form.addEventListener("submit", async (event) => {
          set(${raw(JSON.stringify(form.spam.fillTimeField))}, String(Math.round(performance.now() - started)));
          if (!${raw(String(interceptSubmit))}) return;
          event.preventDefault();
          const result = document.getElementById("result");
          const response = await fetch(form.action, { method: "POST", body: new URLSearchParams(new FormData(form)) });
          const body = await response.json().catch(() => ({}));
          result.textContent = response.status === 202 ? "Thank you! We will be in touch shortly (submission " + body.submissionId + ")." : body.message || "Something went wrong (" + response.status + ").";
          if (response.status === 202) form.reset();
          if (response.status === 202 && body.bookingUrl && window.LeadBooking) window.LeadBooking.render(document.getElementById("booking"), body);
          // A Turnstile token verifies once: the next submission needs a fresh one.
          if (window.turnstile) window.turnstile.reset();
        });
      })();
    </script>
  </body>
</html>`;
}

export const exampleFormRoutes = new Hono<AppEnv>().get("/:formKey", async (c) => {
  if (!c.var.config.ENABLE_EXAMPLE_FORMS) return c.notFound();
  const key = c.req.param("formKey");
  const { policy } = await activePolicy(c.env.DB);
  const form = policy.forms.find((f) => f.key === key);
  if (!form) throw new HttpError(404, "unknown_form", `no form "${key}" in the policy`);
  const booking = c.var.config.report.features.booking.state === "on" && bookingFormOf(policy.booking, key) !== undefined;
  return c.html(exampleFormPage(form, c.var.config.TURNSTILE_SCRIPT_URL, booking));
});
