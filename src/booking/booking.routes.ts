import { type Context, Hono } from "hono";
import { z } from "zod";
import { BOOK_PURPOSE, MANAGE_PURPOSE, managePath, manageLink, bookPath } from "../core/booking/booking-links";
import { meetingIcs } from "../core/booking/ics";
import { type SlotView, slotView, viewZone } from "../core/booking/slot-view";
import { slotRules } from "../core/booking/slots";
import type { AppEnv } from "../env/app-env";
import { formFields, parseJson, readRawBody } from "../platform/http/body";
import { errorAnswer, HttpError } from "../platform/http/errors";
import { verifyToken } from "../platform/signatures/signed-token";
import { clientKey, originAllowed, selfOrigin } from "../intake/request-origin";
import { activePolicy } from "../storage/policies";
import { bookingById, bookingOfSubmission } from "../storage/bookings";
import { attemptHashOf, type BookOutcome, bookSlot } from "./book-slot";
import { type BookingScene, repOf, sceneOf } from "./booking-scene";
import { ALREADY_BOOKED, byDay, confirmationPage, messagePage, NOTHING_OFFERED, pendingPage, slotsPage } from "./booking-pages";
import { visitorName } from "./booking-text";
import type { BookAnswer, RepBooking } from "./booking-types";
import { EMBED_SCRIPT } from "./embed-script";
import { findSlots, noteNothingOffered, noteOffered, nothingReason, repCalendar } from "./find-slots";

/*
 * The booking pages and calls (docs/booking.md):
 *   GET  /book/{token}                 the times, as a page that works without JavaScript
 *   GET  /book/{token}/slots           the times as JSON (the example form and the embed script)
 *   POST /book/{token}                 {slot, attempt}: books it (a page's form, or JSON)
 *   GET  /book/manage/{token}          the confirmation: the meeting, its .ics, move and cancel
 *   GET  /book/manage/{token}/meeting.ics
 *   POST /book/manage/{token}/move     {slot}
 *   POST /book/manage/{token}/cancel
 *   GET  /book/embed.js                the embed script for a customer's own form page
 * A token that is not ours is 404, an expired one 410, and neither says anything of what it named.
 * Every call counts against the client address's limit (BOOKING_RATE_LIMIT) before its token is
 * looked at, so guessing tokens is as slow as the limit.
 */

type BookingContext = Context<AppEnv>;

const MAX_BODY_BYTES = 4 * 1024;
const RATE_LIMIT_RETRY_AFTER_S = 60;
/** A booking attempt's id: the page makes it once, a retried click sends it again. */
const Attempt = z.string().regex(/^[A-Za-z0-9_-]{8,100}$/, "an attempt id: 8 to 100 letters, digits, - and _");
const Slot = z.iso.datetime({ offset: true });
const BookBody = z.object({ slot: Slot, attempt: Attempt });
const MoveBody = z.object({ slot: Slot });

/** Whether the caller wants a page (a browser form post or a link) or JSON. */
const wantsPage = (c: BookingContext) => (c.req.header("content-type") ?? "").startsWith("application/x-www-form-urlencoded");

function tokenRefused(reason: "malformed" | "forged" | "expired", page: boolean): HttpError {
  // An expired link says only that; any other is "not found", whatever was wrong with it.
  const expired = reason === "expired";
  const message = expired
    ? "This booking link has expired. Send the form again, or reply to our email, to arrange a meeting."
    : "There is no booking at this address.";
  return new PageError(expired ? 410 : 404, expired ? "link_expired" : "not_found", message, page);
}

/** An HttpError that a page route answers as a page. */
class PageError extends HttpError {
  constructor(
    status: 404 | 409 | 410 | 429 | 503,
    code: string,
    message: string,
    readonly page: boolean,
    headers?: Record<string, string>,
  ) {
    super(status, code, message, undefined, headers);
  }
}

async function verified(c: BookingContext, purpose: string, page: boolean): Promise<string> {
  const secret = c.var.config.BOOKING_TOKEN_SECRET!;
  const check = await verifyToken(purpose, c.req.param("token") ?? "", secret, c.get("now")().getTime());
  if (!check.ok) throw tokenRefused(check.reason, page);
  return check.claims.sub;
}

async function rateLimit(c: BookingContext, page: boolean): Promise<void> {
  if (c.var.config.DISABLE_BOOKING_RATE_LIMITS) return;
  const { success } = await c.env.BOOKING_RATE_LIMIT.limit({ key: `book:${clientKey(c.req.header("cf-connecting-ip"))}` });
  if (!success) {
    throw new PageError(429, "rate_limited", "Too many requests from this address; try again in a minute.", page, {
      "retry-after": String(RATE_LIMIT_RETRY_AFTER_S),
    });
  }
}

/** CORS for the form's own pages (its allowedOrigins) and the Worker's; another origin gets no CORS headers. */
function corsOf(c: BookingContext, scene: Pick<BookingScene, "form"> | undefined): Record<string, string> {
  const origin = c.req.header("origin");
  if (!origin || !scene) return {};
  return originAllowed(scene.form.allowedOrigins, origin, selfOrigin(c.req.url, c.var.config.PUBLIC_BASE_URL))
    ? { "access-control-allow-origin": origin, vary: "Origin" }
    : { vary: "Origin" };
}

const origin = (c: BookingContext) => selfOrigin(c.req.url, c.var.config.PUBLIC_BASE_URL);
const zoneParam = (c: BookingContext) => c.req.query("zone")?.slice(0, 64);

function views(slots: readonly { start: number; end: number }[], zone: string): SlotView[] {
  return slots.map((s) => slotView(s.start, s.end, zone));
}

type Offer =
  | { kind: "pending"; form?: BookingScene["form"] }
  | { kind: "message"; status: number; code: string; message: string; form?: BookingScene["form"] }
  | { kind: "open"; scene: BookingScene; slots: SlotView[]; calendarCalls: number };

/** What a booking link offers now: the times, or why there are none (noted once, the team told when it should be). */
async function offerOf(c: BookingContext, submissionId: string): Promise<Offer> {
  const ports = c.var.ports;
  const now = c.get("now")();
  // Two independent reads, side by side: a D1 round trip less before the times.
  const [found, existing] = await Promise.all([sceneOf(c.env.DB, ports, submissionId, zoneParam(c)), bookingOfSubmission(c.env.DB, submissionId)]);
  if (found.kind === "pending") return { kind: "pending", ...(found.form ? { form: found.form } : {}) };
  if (found.kind === "gone")
    return {
      kind: "message",
      status: 410,
      code: "link_expired",
      message: "This booking link no longer works. Send the form again to arrange a meeting.",
    };
  if (existing?.status === "booked") return { kind: "message", status: 409, code: "already_booked", message: ALREADY_BOOKED };
  if (existing?.status === "cancelled")
    return {
      kind: "message",
      status: 409,
      code: "cancelled",
      message: "The meeting booked for this request was cancelled. Send the form again to book another.",
    };
  if (found.kind === "nothing") {
    if (found.scene) {
      const { submission, accountId, form, team } = found.scene;
      await noteNothingOffered(
        c.env.DB,
        ports,
        { submission, accountId, formName: form.name, reason: found.reason, ...teamOf(team), alert: found.alert },
        now,
      );
    }
    return { kind: "message", status: 200, code: "unavailable", message: NOTHING_OFFERED, ...(found.scene ? { form: found.scene.form } : {}) };
  }
  const { scene } = found;
  const slots = await findSlots(c.env, scene, now.getTime());
  if (slots.slots.length === 0) {
    const reason = nothingReason(slots, scene);
    await noteNothingOffered(
      c.env.DB,
      ports,
      { submission: scene.submission, accountId: scene.accountId, formName: scene.form.name, reason, ...teamOf(scene.team), alert: true },
      now,
    );
    return { kind: "message", status: 200, code: "unavailable", message: NOTHING_OFFERED, form: scene.form };
  }
  // Counted once per submission (its key): a lookup need not wait for it, and a count lost is made by the next lookup.
  c.executionCtx.waitUntil(
    noteOffered(c.env.DB, scene.submission, scene.accountId, scene.team?.id, now).catch((error: Error) =>
      console.error(`booking: offer not counted: ${error.message}`),
    ),
  );
  return { kind: "open", scene, slots: views(slots.slots, scene.zone), calendarCalls: slots.calendarCalls };
}

const teamOf = (team: BookingScene["team"]) => (team ? { teamId: team.id, ...(team.alertChannel ? { alertChannel: team.alertChannel } : {}) } : {});

const repNameOf = (scene: BookingScene) => (scene.reps.length === 1 ? scene.reps[0]!.spec.name : undefined);
const minutesOf = (scene: BookingScene) => Math.round(scene.rules.meetingMs / 60_000);

function slotsJson(scene: BookingScene, slots: SlotView[]) {
  const rep = repNameOf(scene);
  return { status: "open", zone: scene.zone, meetingMinutes: minutesOf(scene), ...(rep ? { rep } : {}), slots };
}

/** A booking's details as the confirmation shows them, from the rep's object that keeps it. */
async function repBookingOf(c: BookingContext, bookingId: string): Promise<RepBooking> {
  const row = await bookingById(c.env.DB, bookingId);
  const booking = row?.repId ? await repCalendar(c.env, row.repId).booking(bookingId) : undefined;
  if (!booking) throw new PageError(404, "not_found", "There is no booking at this address.", true);
  return booking;
}

async function bookedAnswer(c: BookingContext, booking: RepBooking, zone: string) {
  const secret = c.var.config.BOOKING_TOKEN_SECRET!;
  const manage = await manageLink(secret, booking.id, booking.start, origin(c));
  const when = slotView(booking.start, booking.end, zone);
  return {
    manage,
    json: {
      status: "booked",
      booking: {
        start: when.start,
        end: when.end,
        label: when.label,
        rep: booking.rep.name,
        ...(booking.event.joinUrl ? { joinUrl: booking.event.joinUrl } : {}),
      },
      manageUrl: manage.url,
      icsUrl: `${manage.url}/meeting.ics`,
    },
  };
}

async function readBody<T>(c: BookingContext, schema: z.ZodType<T>): Promise<T> {
  const raw = await readRawBody(c.req.raw, MAX_BODY_BYTES);
  const parsed = schema.safeParse(wantsPage(c) ? Object.fromEntries(formFields(raw)) : parseJson(raw));
  if (!parsed.success) {
    throw new HttpError(400, "invalid_booking", parsed.error.issues.map((i) => `${i.path.join(".") || "body"}: ${i.message}`).join("; "));
  }
  return parsed.data;
}

/** The times a booked meeting could move to: its rep's, as the policy has them now. */
async function moveSlots(c: BookingContext, booking: RepBooking, zone: string): Promise<SlotView[]> {
  const { policy } = await activePolicy(c.env.DB);
  const rep = policy.reps.find((r) => r.id === booking.rep.repId);
  const one = rep && policy.booking ? repOf(rep, policy, policy.booking, booking.context.submission.crm) : undefined;
  if (!one || !policy.booking) return [];
  const scene = { reps: [one], rules: slotRules(policy.booking) };
  const found = await findSlots(c.env, scene, c.get("now")().getTime());
  return views(found.slots, zone);
}

const NOTICES: Record<string, string> = {
  booked: "Your meeting is booked.",
  moved: "Your meeting is moved; an updated invitation is on its way.",
  cancelled: "Your meeting is cancelled.",
  taken: "That time was just taken; please pick another.",
};

/** The notice a redirect after a change names (?done=…); anything else names none. */
const manageNotice = (done: string | undefined): string | undefined => (done && Object.hasOwn(NOTICES, done) ? NOTICES[done] : undefined);

export const bookingRoutes = new Hono<AppEnv>()
  .get("/embed.js", (c) =>
    c.body(EMBED_SCRIPT, 200, {
      "content-type": "text/javascript; charset=utf-8",
      "cache-control": "public, max-age=300",
      "access-control-allow-origin": "*",
    }),
  )
  // --- manage links: the confirmation, .ics, move and cancel --------------------------------------
  .get("/manage/:token", async (c) => {
    await rateLimit(c, true);
    const bookingId = await verified(c, MANAGE_PURPOSE, true);
    const booking = await repBookingOf(c, bookingId);
    const zone = viewZone(zoneParam(c) ?? booking.context.submission.timeZone, booking.rep.zone);
    const token = c.req.param("token");
    const past = booking.start <= c.get("now")().getTime();
    const notice = manageNotice(c.req.query("done"));
    return c.html(
      confirmationPage({
        formName: booking.context.formName,
        repName: booking.rep.name,
        status: booking.status,
        when: slotView(booking.start, booking.end, zone),
        ...(booking.event.joinUrl ? { joinUrl: booking.event.joinUrl } : {}),
        icsUrl: `${managePath(token)}/meeting.ics`,
        cancelAction: `${managePath(token)}/cancel`,
        moveAction: `${managePath(token)}/move`,
        moveDays: past || booking.status !== "booked" ? [] : byDay(await moveSlots(c, booking, zone)),
        attempt: "move",
        ...(notice ? { notice } : {}),
        past,
      }),
      c.req.query("done") === "taken" ? 409 : 200,
    );
  })
  .get("/manage/:token/meeting.ics", async (c) => {
    await rateLimit(c, true);
    const bookingId = await verified(c, MANAGE_PURPOSE, true);
    const booking = await repBookingOf(c, bookingId);
    const s = booking.context.submission;
    const ics = meetingIcs({
      uid: `${booking.id}@lead-follow-up`,
      sequence: booking.sequence,
      status: booking.status === "cancelled" ? "CANCELLED" : "CONFIRMED",
      start: new Date(booking.start),
      end: new Date(booking.end),
      stamp: c.get("now")(),
      summary: `${booking.context.formName} with ${booking.rep.name}`,
      description: `Your meeting with ${booking.rep.name}.${booking.event.joinUrl ? ` Join: ${booking.event.joinUrl}` : ""}`,
      ...(booking.event.joinUrl ? { location: booking.event.joinUrl, url: booking.event.joinUrl } : {}),
      // A Google or Microsoft 365 calendar's id is the rep's address; a HubSpot meeting link's is a slug.
      organizer: { name: booking.rep.name, ...(booking.rep.calendarId.includes("@") ? { email: booking.rep.calendarId } : {}) },
      attendee: { name: visitorName(s), email: s.email },
    });
    return c.body(ics, 200, { "content-type": "text/calendar; charset=utf-8", "content-disposition": 'attachment; filename="meeting.ics"' });
  })
  .post("/manage/:token/cancel", async (c) => {
    const page = wantsPage(c) || !c.req.header("content-type");
    await rateLimit(c, page);
    const bookingId = await verified(c, MANAGE_PURPOSE, page);
    const booking = await repBookingOf(c, bookingId);
    if (booking.status === "booked" && booking.start <= c.get("now")().getTime()) {
      throw new PageError(409, "meeting_started", "This meeting has started or is over: it can no longer be cancelled here.", page);
    }
    const answer: BookAnswer =
      booking.status === "cancelled"
        ? { kind: "alreadyBooked", status: "cancelled" }
        : await repCalendar(c.env, booking.rep.repId).cancel(bookingId, "The visitor cancelled the meeting.");
    if (answer.kind === "unavailable") throw unavailable(answer, page);
    const path = managePath(c.req.param("token"));
    return page ? c.redirect(`${path}?done=cancelled`, 303) : c.json({ status: "cancelled" });
  })
  .post("/manage/:token/move", async (c) => {
    const page = wantsPage(c);
    await rateLimit(c, page);
    const bookingId = await verified(c, MANAGE_PURPOSE, page);
    const { slot } = await readBody(c, MoveBody);
    const booking = await repBookingOf(c, bookingId);
    const now = c.get("now")();
    if (booking.status !== "booked") throw new PageError(409, "cancelled", "This meeting is cancelled: it cannot be moved.", page);
    if (booking.start <= now.getTime())
      throw new PageError(409, "meeting_started", "This meeting has started or is over: it can no longer be moved here.", page);
    const { policy } = await activePolicy(c.env.DB);
    const rep = policy.reps.find((r) => r.id === booking.rep.repId);
    const one = rep && policy.booking ? repOf(rep, policy, policy.booking, booking.context.submission.crm) : undefined;
    if (!one || !policy.booking)
      throw new PageError(409, "no_times", "This meeting cannot be moved here any more; reply to our email to arrange another time.", page);
    const answer = await repCalendar(c.env, booking.rep.repId).move({
      bookingId,
      hours: one.hours,
      rules: slotRules(policy.booking),
      start: Date.parse(slot),
      now: now.getTime(),
    });
    const path = managePath(c.req.param("token"));
    if (answer.kind === "booked")
      return page
        ? c.redirect(`${path}?done=moved`, 303)
        : c.json((await bookedAnswer(c, answer.booking, viewZone(booking.context.submission.timeZone, booking.rep.zone))).json);
    if (answer.kind === "taken") {
      if (page) return c.redirect(`${path}?done=taken`, 303);
      return c.json({ error: "slot_taken", message: "That time was just taken; please pick another." }, 409);
    }
    if (answer.kind === "unavailable") throw unavailable(answer, page);
    throw new PageError(409, "cancelled", "This meeting is cancelled: it cannot be moved.", page);
  })
  // --- booking links: the times and the booking ----------------------------------------------------
  .options("/:token/*", (c) => preflight(c))
  .options("/:token", (c) => preflight(c))
  .get("/:token/slots", async (c) => {
    await rateLimit(c, false);
    const submissionId = await verified(c, BOOK_PURPOSE, false);
    const offer = await offerOf(c, submissionId);
    const cors = corsOf(c, offer.kind === "open" ? offer.scene : offer.form ? { form: offer.form } : undefined);
    if (offer.kind === "pending") return c.json({ status: "pending", retryAfterMs: 1000 }, 200, cors);
    if (offer.kind === "message")
      return c.json({ status: offer.code === "unavailable" ? "unavailable" : offer.code, message: offer.message }, 200, cors);
    // npm run bench:booking counts the calendar calls a lookup cost (0: the reps' caches answered).
    const bench: Record<string, string> = c.var.config.ENABLE_BENCH_ROUTES ? { "x-bench-calendar-calls": String(offer.calendarCalls) } : {};
    return c.json(slotsJson(offer.scene, offer.slots), 200, { ...cors, ...bench });
  })
  .get("/:token", async (c) => {
    await rateLimit(c, true);
    const submissionId = await verified(c, BOOK_PURPOSE, true);
    const offer = await offerOf(c, submissionId);
    if (offer.kind === "pending") return c.html(pendingPage());
    if (offer.kind === "message")
      return c.html(messagePage(offer.code === "unavailable" ? "Thank you" : "Your meeting", offer.message), offer.status === 410 ? 410 : 200);
    return c.html(slotsPage(slotsInput(c, offer.scene, offer.slots, crypto.randomUUID())));
  })
  .post("/:token", async (c) => {
    const page = wantsPage(c);
    await rateLimit(c, page);
    const submissionId = await verified(c, BOOK_PURPOSE, page);
    const { slot, attempt } = await readBody(c, BookBody);
    const now = c.get("now")();
    const found = await sceneOf(c.env.DB, c.var.ports, submissionId, zoneParam(c));
    if (found.kind === "pending")
      throw new PageError(409, "not_ready", "We are still matching your request with the right person: try again in a moment.", page, {
        "retry-after": "2",
      });
    if (found.kind !== "scene") {
      // Booked already by whoever holds the attempt: its retry gets the meeting back below.
      const existing = await bookingOfSubmission(c.env.DB, submissionId);
      if (!existing || existing.attemptHash !== (await attemptHashOf(attempt))) throw new PageError(409, "unavailable", NOTHING_OFFERED, page);
    }
    const scene = found.kind === "scene" ? found.scene : undefined;
    const cors = corsOf(c, scene ?? (found.kind === "nothing" ? found.scene : undefined));
    const start = Date.parse(slot);
    const outcome: BookOutcome = scene ? await bookSlot(c.env, c.var.ports, scene, start, attempt, now) : { kind: "alreadyBooked", status: "booked" };
    if (outcome.kind === "booked") {
      const answer = await bookedAnswer(
        c,
        outcome.booking,
        scene?.zone ?? viewZone(outcome.booking.context.submission.timeZone, outcome.booking.rep.zone),
      );
      return page ? c.redirect(`${managePath(answer.manage.token)}?done=booked`, 303) : c.json(answer.json, 201, cors);
    }
    if (outcome.kind === "taken" && scene) {
      const fresh = await findSlots(c.env, scene, now.getTime());
      const slots = views(fresh.slots, scene.zone);
      const message = "That time was just taken. Please pick another.";
      if (page) return c.html(slotsPage({ ...slotsInput(c, scene, slots, attempt), notice: message }), 409);
      return c.json({ error: "slot_taken", message, ...slotsJson(scene, slots) }, 409, cors);
    }
    if (outcome.kind === "busy")
      throw new PageError(409, "booking_in_progress", "This request is being booked on another page right now.", page, {
        "retry-after": "2",
        ...cors,
      });
    if (outcome.kind === "unavailable") throw unavailable(outcome, page, cors);
    const message =
      outcome.kind === "alreadyBooked" && outcome.status === "cancelled" ? "The meeting booked for this request was cancelled." : ALREADY_BOOKED;
    throw new PageError(409, "already_booked", message, page, cors);
  });

function slotsInput(c: BookingContext, scene: BookingScene, slots: SlotView[], attempt: string) {
  const rep = repNameOf(scene);
  return {
    formName: scene.form.name,
    ...(rep ? { repName: rep } : {}),
    meetingMinutes: minutesOf(scene),
    zone: scene.zone,
    days: byDay(slots),
    action: `${bookPath(c.req.param("token") ?? "")}${c.req.query("zone") ? `?zone=${encodeURIComponent(zoneParam(c)!)}` : ""}`,
    attempt,
  };
}

function unavailable(answer: { reason: string; retryAfterMs?: number }, page: boolean, cors: Record<string, string> = {}): PageError {
  console.error(`booking: calendar unavailable: ${answer.reason}`);
  const seconds = Math.max(2, Math.ceil((answer.retryAfterMs ?? 5_000) / 1000));
  return new PageError(503, "calendar_unavailable", "We could not reach the calendar just now. Please try again in a moment.", page, {
    "retry-after": String(seconds),
    ...cors,
  });
}

async function preflight(c: BookingContext): Promise<Response> {
  const origin = c.req.header("origin");
  if (!origin) throw new HttpError(400, "not_a_preflight", "a CORS preflight carries an Origin header");
  const check = await verifyToken(BOOK_PURPOSE, c.req.param("token") ?? "", c.var.config.BOOKING_TOKEN_SECRET!, c.get("now")().getTime());
  if (!check.ok) throw tokenRefused(check.reason, false);
  const found = await sceneOf(c.env.DB, c.var.ports, check.claims.sub);
  const scene =
    found.kind === "scene"
      ? found.scene
      : found.kind === "nothing"
        ? found.scene
        : found.kind === "pending" && found.form
          ? { form: found.form }
          : undefined;
  const cors = corsOf(c, scene);
  if (!cors["access-control-allow-origin"])
    throw new HttpError(403, "origin_not_allowed", `pages of ${origin} may not book this form's meetings`, undefined, cors);
  return new Response(null, {
    status: 204,
    headers: {
      ...cors,
      "access-control-allow-methods": "GET, POST",
      "access-control-allow-headers": "content-type",
      "access-control-max-age": "600",
    },
  });
}

/** Page routes answer their errors as pages (with the same status and headers); the others as the app's JSON errors. */
function pageOrJsonError(error: Error, c: BookingContext): Response | Promise<Response> {
  if (!(error instanceof PageError) || !error.page) return errorAnswer(error, c);
  const title =
    error.status === 429 ? "Too many requests" : error.status === 503 ? "Please try again" : error.status === 409 ? "Your meeting" : "Booking";
  return c.html(messagePage(title, error.message), error.status, error.headers);
}

bookingRoutes.onError(pageOrJsonError);
