import type { BookingFigures, BookingRate } from "../metrics/booking-metrics";
import { duration, HeadRow, pct } from "./layout";

/** The overview's booking section: offers and bookings, the speed to meeting, the rates per form, source and rep (by name). */
export function BookingPanel(props: { figures: BookingFigures }) {
  const f = props.figures;
  if (f.offered + f.booked + f.notOffered === 0) return <p class="muted">No visitor was offered a meeting in this period.</p>;
  const table = (title: string, rows: BookingRate[]) => (
    <div>
      <h3>{title}</h3>
      <div class="table-wrap">
        <table>
          <thead>
            <HeadRow columns={[{ label: title.replace(/^Per /, "") }, "Offered", "Booked", "Booking rate"]} />
          </thead>
          <tbody>
            {rows.map((r) => (
              <tr>
                <td>{r.key}</td>
                <td class="num">{r.offered}</td>
                <td class="num">{r.booked}</td>
                <td class="num">{pct(r.rate)}</td>
              </tr>
            ))}
          </tbody>
        </table>
      </div>
    </div>
  );
  return (
    <div class="panel" id="booking">
      <div class="cards">
        <div class="card">
          <div class="label">Meetings booked</div>
          <div class="value">{f.booked}</div>
          <div class="sub">
            of {f.offered} offered · {pct(f.rate)} · {f.moved} moved · {f.cancelled} cancelled
          </div>
        </div>
        <div class="card">
          <div class="label">Submission → booked</div>
          <div class="value">{duration(f.submittedToBooked.p50)}</div>
          <div class="sub">
            p50 · p90 {duration(f.submittedToBooked.p90)} · n={f.submittedToBooked.n}
          </div>
        </div>
        <div class="card">
          <div class="label">Booked → meeting</div>
          <div class="value">{duration(f.bookedToStart.p50)}</div>
          <div class="sub">
            p50 · p90 {duration(f.bookedToStart.p90)} · n={f.bookedToStart.n}
          </div>
        </div>
        <div class="card">
          <div class="label">Nothing offered</div>
          <div class="value">{f.notOffered}</div>
          <div class="sub">{f.notOfferedReasons.map((r) => `${r.reason} ${r.n}`).join(" · ") || "–"}</div>
        </div>
      </div>
      <div class="grid2">
        {table("Per form", f.byForm)}
        {table("Per source", f.bySource)}
      </div>
      {table("Per rep", f.byRep)}
      {f.truncated && <p class="muted">The period holds more booking facts than the overview reads: narrow it for exact figures.</p>}
    </div>
  );
}
