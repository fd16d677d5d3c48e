import type { Child } from "hono/jsx";
import { durationMillis } from "../core/calendar/calendar";
import { BUILT_IN_FIELDS, type Cadence } from "../core/policy/cadence-policy";
import type { Policy } from "../core/policy/policy";
import { renderTemplate } from "../core/policy/template";
import { GROUPS, type ScoringCondition } from "../core/policy/scoring-policy";
import type { Score } from "../core/intake/scoring";
import type { PolicyVersionRow } from "../storage/policy-history";
import { count, duration, localInstant } from "./format";
import { Csrf, Layout, NotSaved, type PageContext, RollbackButton } from "./layout";
import type { People } from "./people";
import type { PolicyIssue } from "./policy-change";
import { DurationInput } from "./policy-fields-form";

/** The policy's sections a manager changes without JSON, each a page of its own. */
export const SECTIONS = [
  ["teams", "Teams", "who is in which team, and how its rotation works"],
  ["stale", "Stale leads", "when an untouched lead is reassigned or parked"],
  ["gates", "Stage gates", "the fields a deal needs before it enters a stage"],
  ["cadences", "Cadences", "the follow-up steps, in order, with their text"],
  ["sla", "Speed-to-lead SLA", "how soon the first step must be done"],
  ["scoring", "Lead scoring", "the points a form lead scores, and a sample scored live"],
] as const;
export type SectionId = (typeof SECTIONS)[number][0];

const GROUP_NAMES: Record<(typeof GROUPS)[number], string> = { fit: "Fit", intent: "Intent", behaviour: "Behaviour", dataQuality: "Data quality" };

export interface SectionPageData {
  policy: Policy;
  version: number;
  people: People;
  notice?: string;
  errors: PolicyIssue[];
}

/** The frame of a section page: its title, what it holds, the outcome of the last save. */
function SectionLayout(props: { page: PageContext; data: SectionPageData; section: SectionId; children: Child }) {
  const [, title, what] = SECTIONS.find(([id]) => id === props.section)!;
  const { data } = props;
  return (
    <Layout title={`Policy: ${title}`} section="policy" page={props.page}>
      <p>
        <a href="/console/policy">← Policy</a>
      </p>
      <h1>{title}</h1>
      <p class="muted">
        {what}. Saving makes a new policy version (now v{data.version}), checked like any policy; the advanced editor holds the whole document.
      </p>
      {data.notice && <div class="notice">{data.notice}</div>}
      <NotSaved id="section-errors" errors={data.errors} />
      {props.children}
    </Layout>
  );
}

/** The policy's landing page: its sections, its history with who changed what, the way to the advanced editor. */
export function PolicyHome(props: { page: PageContext; version: number; history: PolicyVersionRow[]; notice?: string }) {
  const { page } = props;
  return (
    <Layout title="Policy" section="policy" page={page}>
      <h1>Policy</h1>
      {props.notice && <div class="notice">{props.notice}</div>}
      <p>
        Active version: <strong id="active-version">v{props.version}</strong>
        {props.version === 0 && <span class="muted"> (the shipped default)</span>}
      </p>
      <ul class="sections">
        {SECTIONS.map(([id, title, what]) => (
          <li>
            <a href={`/console/policy/${id}`}>{title}</a>: <span class="muted">{what}</span>
          </li>
        ))}
        <li>
          <a href="/console/team">Reps</a>: <span class="muted">who is away, weights and capacities (the Team page)</span>
        </li>
        <li>
          <a href="/console/policy/advanced">Advanced: the whole policy as JSON</a>, with a dry run over recorded history
        </li>
      </ul>
      <h2>History</h2>
      <div class="table-wrap">
        <table id="policy-history">
          <thead>
            <tr>
              <th scope="col">Version</th>
              <th scope="col">Saved</th>
              <th scope="col">By</th>
              <th scope="col">Change</th>
              <th scope="col">
                <span class="visually-hidden">Actions</span>
              </th>
            </tr>
          </thead>
          <tbody>
            {props.history.map((h, i) => (
              <tr>
                <td>
                  v{h.version} {h.version === props.version && <span class="status ok">active</span>}
                </td>
                <td>{localInstant(h.createdAt, page.zone)}</td>
                <td>{h.savedBy ?? <span class="muted">admin API</span>}</td>
                <td>{h.note ?? <span class="muted">whole document</span>}</td>
                <td>
                  {i < props.history.length - 1 && (
                    <a href={`/console/policy/advanced?diff=${h.version}`}>changes from v{props.history[i + 1]!.version}</a>
                  )}{" "}
                  {h.version !== props.version && <RollbackButton page={page} version={h.version} />}
                </td>
              </tr>
            ))}
          </tbody>
        </table>
      </div>
    </Layout>
  );
}

export function TeamsSection(props: { page: PageContext; data: SectionPageData }) {
  const { page, data } = props;
  return (
    <SectionLayout page={page} data={data} section="teams">
      {data.policy.teams.map((team) => (
        <form class="panel" method="post" action={`/console/policy/teams/${team.id}`} id={`team-${team.id}`}>
          <Csrf page={page} />
          <h2>{team.name}</h2>
          <fieldset>
            <legend>Members</legend>
            <div class="row">
              {data.policy.reps.map((rep) => (
                <label>
                  <input type="checkbox" name="members" value={rep.id} checked={team.members.includes(rep.id)} /> {rep.name}
                </label>
              ))}
            </div>
          </fieldset>
          <p>
            <label>
              <input type="checkbox" name="respectWorkingHours" checked={team.respectWorkingHours} /> Skip reps outside their working hours
            </label>
          </p>
          <DurationInput name="capacityWindow" label="Capacity counts the leads of the last" iso={team.capacityWindow} />
          <p class="muted">
            Nobody eligible: the lead goes to{" "}
            {Object.entries(team.fallbackOwners)
              .map(([crm, owner]) => `${data.people.ownerName(owner, crm as "hubspot")} in ${crm}`)
              .join(", ") || "nobody"}
            .
          </p>
          <button type="submit">Save {team.name}</button>
        </form>
      ))}
    </SectionLayout>
  );
}

export function StaleSection(props: { page: PageContext; data: SectionPageData }) {
  const { page, data } = props;
  const rule = data.policy.rules.staleLead;
  if (!rule)
    return (
      <SectionLayout page={page} data={data} section="stale" children={<p>No stale-lead rule in this policy: add one in the advanced editor.</p>} />
    );
  return (
    <SectionLayout page={page} data={data} section="stale">
      <form class="panel" method="post" action="/console/policy/stale" id="stale-form">
        <Csrf page={page} />
        <p>
          <label>
            <input type="checkbox" name="enabled" checked={rule.enabled} /> Reassign or park leads nobody works
          </label>
        </p>
        <DurationInput
          name="threshold"
          label="A lead is stale after no activity for"
          iso={rule.threshold.duration}
          businessHours={rule.threshold.businessHours}
        />
        <div class="row">
          <label class="field">
            <span>Reassign when the score is at least (else park)</span>
            <input type="number" name="scoreThreshold" value={String(rule.scoreThreshold)} step="1" />
          </label>
          <label class="field">
            <span>Reassign within team</span>
            <select name="targetTeam">
              {data.policy.teams.map((t) => (
                <option value={t.id} selected={t.id === rule.targetTeam}>
                  {t.name}
                </option>
              ))}
            </select>
          </label>
        </div>
        <div class="row">
          <label class="field">
            <span>The new owner's task</span>
            <input type="text" name="taskSubject" size={50} value={rule.task.subject} />
          </label>
        </div>
        <DurationInput name="taskDueIn" label="The task is due after" iso={rule.task.dueIn} />
        <div class="row">
          <label class="field">
            <span>At most this many reassignments of a lead</span>
            <input type="number" name="maxCount" min="1" max="100" value={String(rule.maxReassignments.count)} />
          </label>
        </div>
        <DurationInput name="maxWithin" label="within" iso={rule.maxReassignments.within} />
        <button type="submit">Save the stale-lead rule</button>
      </form>
    </SectionLayout>
  );
}

export function GatesSection(props: { page: PageContext; data: SectionPageData }) {
  const { page, data } = props;
  const rule = data.policy.rules.stageGates;
  if (!rule)
    return (
      <SectionLayout page={page} data={data} section="gates" children={<p>No stage gates in this policy: add them in the advanced editor.</p>} />
    );
  return (
    <SectionLayout page={page} data={data} section="gates">
      <form class="panel" method="post" action="/console/policy/gates" id="gates-form">
        <Csrf page={page} />
        <DurationInput
          name="grace"
          label="After the nudge, the owner has"
          iso={rule.gracePeriod.duration}
          businessHours={rule.gracePeriod.businessHours}
        />
        <p>
          <label>
            <input type="checkbox" name="revert" checked={rule.revert} /> Then move the deal back to its previous stage
          </label>
        </p>
        <div class="table-wrap">
          <table>
            <thead>
              <tr>
                <th scope="col">Stage</th>
                <th scope="col">Required fields (one a line)</th>
              </tr>
            </thead>
            <tbody>
              {rule.gates.map((gate, i) => {
                const objectType = gate.crm === "hubspot" ? "deal" : "opportunity";
                const property = rule.stageProperty[gate.crm] ?? "dealstage";
                return (
                  <tr>
                    <td>
                      <strong>{data.people.label(gate.crm, objectType, property, gate.stage)}</strong>
                      <div class="muted">{gate.crm === "hubspot" ? "HubSpot" : "Salesforce"}</div>
                    </td>
                    <td>
                      <label class="visually-hidden" for={`gate-${i}`}>
                        Required fields for {gate.stage}
                      </label>
                      <textarea id={`gate-${i}`} name={`required.${i}`} rows={3} style="min-height:0">
                        {gate.required.join("\n")}
                      </textarea>
                    </td>
                  </tr>
                );
              })}
            </tbody>
          </table>
        </div>
        <button type="submit">Save the stage gates</button>
      </form>
    </SectionLayout>
  );
}

/** The sample lead the cadence texts are previewed for; a field left empty shows its fallback. */
export type SampleLead = Record<string, string>;

/** A step's text filled in for the sample lead, each merge field falling back as the policy says. */
export function previewText(policy: Policy, template: string, sample: SampleLead): string {
  const rule = policy.rules.cadences!;
  const defaults = { ...BUILT_IN_FIELDS, ...Object.fromEntries(Object.entries(rule.mergeFields).map(([k, f]) => [k, f.fallback])) };
  try {
    return renderTemplate(template, sample, defaults);
  } catch (error) {
    return `(cannot be filled in: ${(error as Error).message})`;
  }
}

/** The steps in the order they run: by their offset from enrolment. */
export const stepsInOrder = (cadence: Cadence) =>
  cadence.steps
    .map((step, index) => ({ step, index }))
    .sort((a, b) => durationMillis(a.step.offset) - durationMillis(b.step.offset) || a.index - b.index);

export function CadencesSection(props: { page: PageContext; data: SectionPageData; sample: SampleLead }) {
  const { page, data, sample } = props;
  const rule = data.policy.rules.cadences;
  if (!rule)
    return (
      <SectionLayout page={page} data={data} section="cadences" children={<p>No cadences in this policy: add them in the advanced editor.</p>} />
    );
  const fields = [...Object.keys(rule.mergeFields), "ownerName", "ownerFirstName"];
  return (
    <SectionLayout page={page} data={data} section="cadences">
      <form class="panel" method="get" action="/console/policy/cadences" id="sample-lead">
        <h2>Preview for a sample lead</h2>
        <p class="muted">Leave a field empty to see what a lead without it reads (its fallback).</p>
        <div class="row">
          {fields.map((f) => (
            <label class="field">
              <span>{f}</span>
              <input type="text" name={`sample.${f}`} value={sample[f] ?? ""} size={14} />
            </label>
          ))}
          <button type="submit" class="secondary">
            Preview
          </button>
        </div>
      </form>
      {rule.cadences.map((cadence) => (
        <section class="panel" id={`cadence-${cadence.id}`}>
          <h2>{cadence.name}</h2>
          <p class="muted">
            For sources:{" "}
            {rule.routes
              .filter((r) => r.cadence === cadence.id)
              .map((r) => r.source)
              .join(", ") || (rule.defaultCadence === cadence.id ? "any other" : "none")}{" "}
            · {count(cadence.steps.length, "step")}
          </p>
          <ol class="steps">
            {stepsInOrder(cadence).map(({ step, index }) => (
              <li id={`step-${cadence.id}-${step.id}`}>
                <form method="post" action={`/console/policy/cadences/${cadence.id}/${step.id}`}>
                  <Csrf page={page} />
                  <p>
                    <strong>{durationMillis(step.offset) === 0 ? "On enrolment" : `After ${duration(durationMillis(step.offset))}`}</strong> ·{" "}
                    {step.channel.toLowerCase()} · priority {step.priority.toLowerCase()}
                  </p>
                  <DurationInput name="offset" label="Due after enrolment" iso={step.offset} id={`offset-${cadence.id}-${index}`} />
                  <label class="field">
                    <span>Task subject</span>
                    <input type="text" name="subject" size={70} value={step.subject} />
                  </label>
                  <label class="field">
                    <span>Task text</span>
                    <textarea name="body" rows={4} style="min-height:0">
                      {step.body}
                    </textarea>
                  </label>
                  <div class="preview">
                    <div class="muted">The sample lead's task reads:</div>
                    <div>
                      <strong class="preview-subject">{previewText(data.policy, step.subject, sample)}</strong>
                    </div>
                    <pre class="preview-body">{previewText(data.policy, step.body, sample)}</pre>
                  </div>
                  <button type="submit" class="secondary">
                    Save this step
                  </button>
                </form>
              </li>
            ))}
          </ol>
        </section>
      ))}
    </SectionLayout>
  );
}

export function SlaSection(props: { page: PageContext; data: SectionPageData }) {
  const { page, data } = props;
  const sla = data.policy.rules.cadences?.sla;
  if (!sla) return <SectionLayout page={page} data={data} section="sla" children={<p>No SLA in this policy: add one in the advanced editor.</p>} />;
  return (
    <SectionLayout page={page} data={data} section="sla">
      <form class="panel" method="post" action="/console/policy/sla" id="sla-form">
        <Csrf page={page} />
        <DurationInput name="within" label="The first step must be done within" iso={sla.within.duration} businessHours={sla.within.businessHours} />
        {sla.hot && (
          <>
            <div class="row">
              <label class="field">
                <span>Hot leads: score at least</span>
                <input type="number" name="hotScore" value={String(sla.hot.scoreAtLeast)} />
              </label>
            </div>
            <DurationInput name="hotWithin" label="Hot leads: within" iso={sla.hot.within.duration} businessHours={sla.hot.within.businessHours} />
          </>
        )}
        <DurationInput
          name="escalateAfter"
          label="After the reminder, the team channel hears after"
          iso={sla.escalateAfter.duration}
          businessHours={sla.escalateAfter.businessHours}
        />
        <button type="submit">Save the SLA</button>
      </form>
    </SectionLayout>
  );
}

/** A scoring condition in words: "job title has vp, director", "form is demo". */
export function conditionWords(when: ScoringCondition): string {
  switch (when.kind) {
    case "fieldHasWord":
      return `${when.field} has ${when.words.join(", ")}`;
    case "fieldIn":
      return `${when.field} is ${when.values.join(", ")}`;
    case "fieldAtLeast":
      return `${when.field} at least ${when.value}`;
    case "country":
      return `country is ${when.countries.join(", ")}`;
    case "form":
      return `form is ${when.forms.join(", ")}`;
    case "returningWithin":
      return `came back within ${duration(durationMillis(when.within))}`;
    case "emailKind":
      return `email is ${when.kinds.join(" or ")}`;
    case "phone":
      return `phone is ${when.is}`;
  }
}

export interface ScoringSample {
  formKey: string;
  fields: Record<string, string>;
  country: string;
  emailKind: "business" | "free" | "disposable";
  phone: "valid" | "invalid" | "missing";
}

export function ScoringSection(props: { page: PageContext; data: SectionPageData; sample: ScoringSample; score: Score | null }) {
  const { page, data, sample, score } = props;
  const model = data.policy.scoring;
  if (!model)
    return (
      <SectionLayout page={page} data={data} section="scoring" children={<p>No scoring model in this policy: add one in the advanced editor.</p>} />
    );
  const form = data.policy.forms.find((f) => f.key === sample.formKey) ?? data.policy.forms[0];
  return (
    <SectionLayout page={page} data={data} section="scoring">
      <div class="grid2">
        <form class="panel" method="post" action="/console/policy/scoring" id="scoring-form">
          <Csrf page={page} />
          <div class="row">
            <label class="field">
              <span>Warm from</span>
              <input type="number" name="warm" min="1" max="100" value={String(model.thresholds.warm)} />
            </label>
            <label class="field">
              <span>Hot from</span>
              <input type="number" name="hot" min="1" max="100" value={String(model.thresholds.hot)} />
            </label>
          </div>
          {GROUPS.map((group) => (
            <fieldset>
              <legend>{GROUP_NAMES[group]}</legend>
              <label class="field">
                <span>Group cap (±)</span>
                <input type="number" name={`cap.${group}`} min="0" max="100" value={String(model.groups[group].cap)} />
              </label>
              <div class="table-wrap">
                <table>
                  <tbody>
                    {model.groups[group].rules.map((r) => (
                      <tr>
                        <td>
                          {r.label}
                          <div class="muted">{conditionWords(r.when)}</div>
                        </td>
                        <td class="num">
                          <label>
                            <span class="visually-hidden">Points for {r.label}</span>
                            <input type="number" name={`points.${group}.${r.id}`} min="-100" max="100" value={String(r.points)} size={4} />
                          </label>
                        </td>
                      </tr>
                    ))}
                  </tbody>
                </table>
              </div>
            </fieldset>
          ))}
          <button type="submit">Save the scoring</button>
        </form>
        <div>
          <form class="panel" method="get" action="/console/policy/scoring" id="scoring-sample">
            <h2>Score a sample submission</h2>
            <div class="row">
              <label class="field">
                <span>Form</span>
                <select name="form">
                  {data.policy.forms.map((f) => (
                    <option value={f.key} selected={f.key === form?.key}>
                      {f.key}
                    </option>
                  ))}
                </select>
              </label>
              {(form?.fields ?? [])
                .filter((f) => f.type !== "email")
                .map((f) => (
                  <label class="field">
                    <span>{f.label ?? f.name}</span>
                    <input type="text" name={`field.${f.name}`} value={sample.fields[f.name] ?? ""} size={14} />
                  </label>
                ))}
              <label class="field">
                <span>Country (two letters)</span>
                <input type="text" name="country" value={sample.country} size={3} />
              </label>
              <label class="field">
                <span>Email</span>
                <select name="emailKind">
                  {(["business", "free", "disposable"] as const).map((k) => (
                    <option value={k} selected={k === sample.emailKind}>
                      {k}
                    </option>
                  ))}
                </select>
              </label>
              <label class="field">
                <span>Phone</span>
                <select name="phone">
                  {(["valid", "invalid", "missing"] as const).map((k) => (
                    <option value={k} selected={k === sample.phone}>
                      {k}
                    </option>
                  ))}
                </select>
              </label>
              <button type="submit" class="secondary">
                Score it
              </button>
            </div>
          </form>
          {score && (
            <div class="panel" id="sample-score" aria-live="polite">
              <p>
                Scores <strong id="sample-score-value">{score.score}</strong>: <strong>{score.tier}</strong>
                {score.uncappedTier && <span class="muted"> (would be {score.uncappedTier}; a data-quality rule caps it)</span>}
              </p>
              <ul>
                {score.breakdown.map((line) => (
                  <li>
                    {line.points > 0 ? "+" : ""}
                    {line.points} {line.label} <span class="muted">({line.evidence})</span>
                  </li>
                ))}
              </ul>
            </div>
          )}
        </div>
      </div>
    </SectionLayout>
  );
}
