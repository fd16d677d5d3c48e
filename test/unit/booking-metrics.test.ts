import { describe, expect, it } from "vitest";
import { type BookingFactRow, bookingFiguresOf } from "../../src/metrics/booking-metrics";

const row = (kind: BookingFactRow["kind"], extra: Partial<BookingFactRow> = {}): BookingFactRow => ({
  kind,
  source: "demo_request",
  rep: "84213371",
  reason: null,
  form: "demo",
  submittedToBookedMs: null,
  bookedToStartMs: null,
  ...extra,
});

describe("booking figures", () => {
  it("rates per form, source and rep, the speed to meeting by nearest rank, and the reasons nothing was offered", () => {
    const rows = [
      row("meetingOffered"),
      row("meetingOffered"),
      row("meetingOffered", { form: "webinar", source: "webinar", rep: "84213372" }),
      row("meetingOffered"),
      row("meetingBooked", { submittedToBookedMs: 60_000, bookedToStartMs: 86_400_000 }),
      row("meetingBooked", { submittedToBookedMs: 180_000, bookedToStartMs: 3 * 86_400_000, rep: "84213372" }),
      row("meetingNotOffered", { reason: "every calendar is unreachable (alex: Google freeBusy: HTTP 503)" }),
      row("meetingNotOffered", { reason: "every calendar is unreachable (sam: Graph getSchedule: HTTP 429)" }),
      row("meetingNotOffered", { reason: "no free time within P14D" }),
      row("meetingCancelled"),
    ];
    const f = bookingFiguresOf(rows);
    expect(f).toMatchObject({ offered: 4, booked: 2, notOffered: 3, cancelled: 1, moved: 0, rate: 0.5 });
    expect(f.submittedToBooked).toEqual({ p50: 60_000, p90: 180_000, n: 2 });
    expect(f.bookedToStart).toEqual({ p50: 86_400_000, p90: 3 * 86_400_000, n: 2 });
    expect(f.byForm).toEqual([
      { key: "demo", offered: 3, booked: 2, rate: 2 / 3 },
      { key: "webinar", offered: 1, booked: 0, rate: 0 },
    ]);
    // A booking counts for the rep who holds it, an offer for the rep the lead was routed to.
    expect(f.byRep).toEqual([
      { key: "84213371", offered: 3, booked: 1, rate: 1 / 3 },
      { key: "84213372", offered: 1, booked: 1, rate: 1 },
    ]);
    expect(f.notOfferedReasons).toEqual([
      { reason: "every calendar is unreachable", n: 2 },
      { reason: "no free time within P14D", n: 1 },
    ]);
  });

  it("nothing happened: no rate (not 0%), no speed", () => {
    expect(bookingFiguresOf([])).toMatchObject({ rate: null, submittedToBooked: { p50: null, p90: null, n: 0 }, byForm: [] });
  });
});
