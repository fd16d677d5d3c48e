/*
 * GET /book/embed.js: the script a customer's own form page includes to show the booking times
 * right after its own submit (docs/booking.md, "Embedding"). No dependencies, no cookies; it
 * talks to the Worker it was loaded from (CORS: the form's allowedOrigins). Three ways in:
 *
 *   LeadBooking.render(element, answer)   the 202 answer of POST /intake/{form} (or its bookingUrl)
 *   <form data-lead-booking="#slots">     its submit is sent to the form's action with fetch, and
 *                                         the times appear in the element the attribute selects
 *   ?booking=<url> on the page's address  the form's thank-you page (a form-encoded post is answered
 *                                         303 to it): times appear in [data-lead-booking-slots]
 *
 * Times come in the browser's zone. A booking goes to POST /book/{token} with an attempt id made
 * once per page, so a retried click books once; the confirmation links to the Worker's page that
 * moves or cancels the meeting.
 */
export const EMBED_SCRIPT = String.raw`(function () {
  "use strict";
  var script = document.currentScript;
  var origin = script ? new URL(script.src).origin : location.origin;
  var zone = "";
  try { zone = Intl.DateTimeFormat().resolvedOptions().timeZone || ""; } catch (e) {}
  var attempt = (window.crypto && crypto.randomUUID) ? crypto.randomUUID() : String(Date.now()) + String(Math.random()).slice(2);

  function el(tag, attrs, text) {
    var node = document.createElement(tag);
    for (var k in attrs || {}) node.setAttribute(k, attrs[k]);
    if (text) node.textContent = text;
    return node;
  }
  function sameOrigin(url) {
    try { return new URL(url).origin === origin; } catch (e) { return false; }
  }
  function message(box, text, role) {
    box.textContent = "";
    box.appendChild(el("p", { role: role || "status", "data-lead-booking-message": "" }, text));
  }
  function show(box, url, answer, notice) {
    box.textContent = "";
    if (notice) box.appendChild(el("p", { role: "status", "data-lead-booking-notice": "" }, notice));
    var who = answer.rep ? " with " + answer.rep : "";
    box.appendChild(el("p", { "data-lead-booking-title": "" }, "Book a " + answer.meetingMinutes + "-minute meeting" + who + " (times in " + answer.zone + "):"));
    var day = null, row = null;
    answer.slots.forEach(function (slot) {
      if (slot.date !== day) {
        day = slot.date;
        box.appendChild(el("div", { "data-lead-booking-day": slot.date }, slot.day));
        row = el("div", { "data-lead-booking-times": "" });
        box.appendChild(row);
      }
      var button = el("button", { type: "button", "data-slot": slot.start, title: slot.label }, slot.time);
      button.addEventListener("click", function () { book(box, url, slot); });
      row.appendChild(button);
    });
  }
  function book(box, url, slot) {
    message(box, "Booking " + slot.label + "…");
    fetch(url, { method: "POST", headers: { "content-type": "application/json" }, body: JSON.stringify({ slot: slot.start, attempt: attempt }) })
      .then(function (r) { return r.json().then(function (body) { return { status: r.status, body: body }; }); })
      .then(function (res) {
        if (res.status === 201) {
          box.textContent = "";
          box.appendChild(el("p", { role: "status", "data-lead-booking-booked": "" }, "You're booked: " + res.body.booking.label + " with " + res.body.booking.rep + ". An invitation is on its way to your email."));
          var links = el("p");
          if (res.body.booking.joinUrl) { links.appendChild(el("a", { href: res.body.booking.joinUrl, rel: "noopener" }, "Video link")); links.appendChild(document.createTextNode(" · ")); }
          links.appendChild(el("a", { href: res.body.icsUrl, download: "meeting.ics" }, "Add to calendar (.ics)"));
          links.appendChild(document.createTextNode(" · "));
          links.appendChild(el("a", { href: res.body.manageUrl, target: "_blank", rel: "noopener" }, "Move or cancel"));
          box.appendChild(links);
        } else if (res.status === 409 && res.body.slots) {
          show(box, url, res.body, res.body.message);
        } else {
          message(box, res.body.message || "The meeting could not be booked; please try again.", "alert");
        }
      })
      .catch(function () { message(box, "The meeting could not be booked; please try again.", "alert"); });
  }
  function render(box, answer, tries) {
    var url = typeof answer === "string" ? answer : answer && answer.bookingUrl;
    if (!box || !url || !sameOrigin(url)) return;
    tries = tries || 0;
    fetch(url + "/slots" + (zone ? "?zone=" + encodeURIComponent(zone) : ""))
      .then(function (r) { return r.json(); })
      .then(function (body) {
        if (body.status === "pending" && tries < 30) {
          message(box, "Finding times for you…");
          setTimeout(function () { render(box, url, tries + 1); }, body.retryAfterMs || 1000);
        } else if (body.status === "open") {
          show(box, url, body);
        } else {
          message(box, body.message || "Someone from our team will get in touch with you shortly.");
        }
      })
      .catch(function () { message(box, "Someone from our team will get in touch with you shortly."); });
  }
  window.LeadBooking = { render: function (element, answer) { render(typeof element === "string" ? document.querySelector(element) : element, answer); } };

  function hook(form) {
    form.addEventListener("submit", function (event) {
      event.preventDefault();
      var box = document.querySelector(form.getAttribute("data-lead-booking")) || form;
      fetch(form.action, { method: "POST", body: new URLSearchParams(new FormData(form)) })
        .then(function (r) { return r.json().then(function (body) { return { status: r.status, body: body }; }); })
        .then(function (res) {
          if (res.status !== 202) { message(box, res.body.message || "Something went wrong (" + res.status + ").", "alert"); return; }
          form.reset();
          render(box, res.body);
        })
        .catch(function () { message(box, "The form could not be sent; please try again.", "alert"); });
    });
  }
  function start() {
    Array.prototype.forEach.call(document.querySelectorAll("form[data-lead-booking]"), hook);
    var fromRedirect = new URLSearchParams(location.search).get("booking");
    var box = document.querySelector("[data-lead-booking-slots]");
    if (fromRedirect && box) render(box, fromRedirect);
  }
  if (document.readyState === "loading") document.addEventListener("DOMContentLoaded", start); else start();
})();
`;
