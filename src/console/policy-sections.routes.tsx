import { type Context, Hono } from "hono";
import type { Policy, StaleLeadRule } from "../core/policy/policy";
import { type Score, scoreLead } from "../core/intake/scoring";
import { documentOf } from "./layout";
import type { ConsoleEnv } from "./console-env";
import { editable, type PolicyIssue, savePolicyChange } from "./policy-change";
import { durationFrom, linesFrom, thresholdFrom } from "./policy-fields-form";
import {
  CadencesSection,
  GatesSection,
  type SampleLead,
  type ScoringSample,
  ScoringSection,
  type SectionPageData,
  SlaSection,
  StaleSection,
  TeamsSection,
} from "./policy-sections";
import { GROUPS } from "../core/policy/scoring-policy";

type C = Context<ConsoleEnv>;
type Rendered = Parameters<typeof documentOf>[0];

export interface SectionRouteOptions {
  flash: (c: C, version: number) => Promise<void>;
  takeFlash: (c: C) => Promise<string | undefined>;
}

/** A field the form left out or wrote wrong: refused with its name, before the policy is even built. */
class FormProblem extends Error {}
const need = <T,>(value: T | undefined, what: string): T => {
  if (value === undefined) throw new FormProblem(what);
  return value;
};
const numberOf = (form: URLSearchParams, name: string, what: string) => {
  const raw = form.get(name);
  const n = Number(raw);
  return need(raw !== null && raw.trim() !== "" && Number.isFinite(n) ? n : undefined, what);
};

/**
 * The policy's common parts on pages of their own (teams, stale leads, stage gates, cadences,
 * SLA, scoring): each form changes its part of the active policy, and the whole is validated and
 * saved as a new version with who did it and what changed, like the team page's changes.
 */
export function policySectionRoutes(options: SectionRouteOptions) {
  const app = new Hono<ConsoleEnv>();

  const data = async (c: C, errors: PolicyIssue[] = []): Promise<SectionPageData> => ({
    policy: c.var.active.policy,
    version: c.var.active.version,
    people: c.var.people,
    errors,
    ...(errors.length === 0 ? { notice: await options.takeFlash(c) } : {}),
  });

  /** Applies a change to a copy of the active policy and saves it; on a problem, shows the section again with it. */
  function saving(render: (c: C, data: SectionPageData) => Rendered, describe: (c: C) => string, apply: (c: C, policy: Policy) => void) {
    return async (c: C) => {
      const started = performance.now();
      const policy = editable(c.var.active.policy);
      try {
        apply(c, policy);
      } catch (error) {
        if (!(error instanceof FormProblem)) throw error;
        return c.html(documentOf(render(c, await data(c, [{ path: "", message: error.message }]))), 400);
      }
      const saved = await savePolicyChange(c.env.DB, policy, { by: c.var.user.name, note: describe(c), now: c.var.now() });
      if (!saved.ok) return c.html(documentOf(render(c, await data(c, saved.issues))), 400);
      await options.flash(c, saved.version);
      c.header("server-timing", `save;dur=${(performance.now() - started).toFixed(1)}`);
      return c.redirect(c.req.path.split("/").slice(0, 4).join("/"), 303);
    };
  }

  const teams = (c: C, d: SectionPageData) => <TeamsSection page={c.var.page} data={d} />;
  app.get("/teams", async (c) => c.html(documentOf(teams(c, await data(c)))));
  app.post(
    "/teams/:team",
    saving(
      teams,
      (c) => `team ${c.var.people.teamName(c.req.param("team"))}: members and rotation`,
      (c, policy) => {
        const team = need(
          policy.teams.find((t) => t.id === c.req.param("team")),
          `no team "${c.req.param("team")}"`,
        );
        const form = c.var.form;
        team.members = form.getAll("members");
        team.respectWorkingHours = form.get("respectWorkingHours") === "on";
        team.capacityWindow = need(durationFrom(form, "capacityWindow"), "the capacity window needs a whole number and a unit");
      },
    ),
  );

  const stale = (c: C, d: SectionPageData) => <StaleSection page={c.var.page} data={d} />;
  app.get("/stale", async (c) => c.html(documentOf(stale(c, await data(c)))));
  app.post(
    "/stale",
    saving(
      stale,
      () => "stale-lead rule",
      (c, policy) => {
        const rule = need(policy.rules.staleLead, "the policy has no stale-lead rule") as StaleLeadRule;
        const form = c.var.form;
        rule.enabled = form.get("enabled") === "on";
        rule.threshold = need(thresholdFrom(form, "threshold"), "the threshold needs a whole number and a unit");
        rule.scoreThreshold = numberOf(form, "scoreThreshold", "the score threshold needs a number");
        rule.targetTeam = form.get("targetTeam") ?? rule.targetTeam;
        rule.task.subject = form.get("taskSubject") ?? rule.task.subject;
        rule.task.dueIn = need(durationFrom(form, "taskDueIn"), "the task's due time needs a whole number and a unit");
        rule.maxReassignments = {
          count: numberOf(form, "maxCount", "the most reassignments needs a number"),
          within: need(durationFrom(form, "maxWithin"), "the reassignments' window needs a whole number and a unit"),
        };
      },
    ),
  );

  const gates = (c: C, d: SectionPageData) => <GatesSection page={c.var.page} data={d} />;
  app.get("/gates", async (c) => c.html(documentOf(gates(c, await data(c)))));
  app.post(
    "/gates",
    saving(
      gates,
      () => "stage gates: required fields and grace period",
      (c, policy) => {
        const rule = need(policy.rules.stageGates, "the policy has no stage gates");
        const form = c.var.form;
        rule.gracePeriod = need(thresholdFrom(form, "grace"), "the grace period needs a whole number and a unit");
        rule.revert = form.get("revert") === "on";
        rule.gates.forEach((gate, i) => {
          if (form.has(`required.${i}`)) gate.required = linesFrom(form, `required.${i}`);
        });
      },
    ),
  );

  const sampleOf = (c: C): SampleLead =>
    Object.fromEntries(
      [...new URL(c.req.url).searchParams]
        .filter(([k, v]) => k.startsWith("sample.") && v.trim() !== "")
        .map(([k, v]) => [k.slice(7), v.slice(0, 200)]),
    );
  const DEFAULT_SAMPLE: SampleLead = { firstName: "Jane", company: "Northwind", ownerName: "Alex Rivera", ownerFirstName: "Alex" };
  const cadences = (c: C, d: SectionPageData) => {
    const given = sampleOf(c);
    const sample = Object.keys(given).length > 0 || new URL(c.req.url).searchParams.size > 0 ? given : DEFAULT_SAMPLE;
    return <CadencesSection page={c.var.page} data={d} sample={sample} />;
  };
  app.get("/cadences", async (c) => c.html(documentOf(cadences(c, await data(c)))));
  app.post(
    "/cadences/:cadence/:step",
    saving(
      cadences,
      (c) => `cadence ${c.var.people.cadenceName(c.req.param("cadence"))}: step ${c.req.param("step")}`,
      (c, policy) => {
        const cadence = need(
          policy.rules.cadences?.cadences.find((x) => x.id === c.req.param("cadence")),
          `no cadence "${c.req.param("cadence")}"`,
        );
        const step = need(
          cadence.steps.find((s) => s.id === c.req.param("step")),
          `no step "${c.req.param("step")}"`,
        );
        const form = c.var.form;
        step.offset = need(durationFrom(form, "offset"), "the step's time needs a whole number and a unit");
        step.subject = form.get("subject") ?? step.subject;
        step.body = (form.get("body") ?? step.body).replace(/\r\n/g, "\n");
      },
    ),
  );

  const sla = (c: C, d: SectionPageData) => <SlaSection page={c.var.page} data={d} />;
  app.get("/sla", async (c) => c.html(documentOf(sla(c, await data(c)))));
  app.post(
    "/sla",
    saving(
      sla,
      () => "speed-to-lead SLA",
      (c, policy) => {
        const rule = need(policy.rules.cadences?.sla, "the policy has no SLA");
        const form = c.var.form;
        rule.within = need(thresholdFrom(form, "within"), "the SLA needs a whole number and a unit");
        rule.escalateAfter = need(thresholdFrom(form, "escalateAfter"), "the escalation needs a whole number and a unit");
        if (rule.hot) {
          rule.hot.scoreAtLeast = numberOf(form, "hotScore", "the hot score needs a number");
          rule.hot.within = need(thresholdFrom(form, "hotWithin"), "the hot SLA needs a whole number and a unit");
        }
      },
    ),
  );

  const scoringSample = (c: C): ScoringSample => {
    const q = new URL(c.req.url).searchParams;
    const policy = c.var.active.policy;
    const formKey = q.get("form") ?? policy.forms[0]?.key ?? "";
    const given = [...q].filter(([k, v]) => k.startsWith("field.") && v.trim() !== "").map(([k, v]) => [k.slice(6), v.slice(0, 200)]);
    const fields: Record<string, string> =
      q.size > 0 ? Object.fromEntries(given) : { firstName: "Jane", lastName: "Doe", company: "Northwind", jobTitle: "VP of Sales" };
    const emailKind = q.get("emailKind");
    const phone = q.get("phone");
    return {
      formKey,
      fields,
      country: (q.get("country") ?? "US").toUpperCase().slice(0, 2),
      emailKind: emailKind === "free" || emailKind === "disposable" ? emailKind : "business",
      phone: phone === "invalid" || phone === "missing" ? phone : "valid",
    };
  };
  const scoring = (c: C, d: SectionPageData) => {
    const sample = scoringSample(c);
    const model = d.policy.scoring;
    let score: Score | null = null;
    if (model) {
      const fields = Object.fromEntries(Object.entries(sample.fields).map(([k, v]) => [k, v.trim()]));
      score = scoreLead(model, {
        formKey: sample.formKey,
        fields,
        ...(/^[A-Z]{2}$/.test(sample.country) ? { country: sample.country } : {}),
        emailKind: sample.emailKind,
        phone: sample.phone,
        at: c.var.now(),
      });
    }
    return <ScoringSection page={c.var.page} data={d} sample={sample} score={score} />;
  };
  app.get("/scoring", async (c) => c.html(documentOf(scoring(c, await data(c)))));
  app.post(
    "/scoring",
    saving(
      scoring,
      () => "lead scoring: points, caps and tiers",
      (c, policy) => {
        const model = need(policy.scoring, "the policy has no scoring model");
        const form = c.var.form;
        model.thresholds = { warm: numberOf(form, "warm", "warm needs a number"), hot: numberOf(form, "hot", "hot needs a number") };
        for (const group of GROUPS) {
          model.groups[group].cap = numberOf(form, `cap.${group}`, `the ${group} cap needs a number`);
          for (const rule of model.groups[group].rules) {
            if (form.has(`points.${group}.${rule.id}`))
              rule.points = numberOf(form, `points.${group}.${rule.id}`, `${rule.label} needs a number of points`);
          }
        }
      },
    ),
  );

  return app;
}
