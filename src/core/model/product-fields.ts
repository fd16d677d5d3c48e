import type { Crm } from "./crm-event";

/**
 * The fields this product writes on CRM records besides the task key: the lead's score and why,
 * and why it went to its owner. HubSpot's are contact properties the CRM setup creates; Salesforce's
 * are custom fields on Lead and Contact shipped in the salesforce/ project. Sales reads them on the
 * record itself, not only in our audit.
 */
export interface ProductFields {
  /** 0–100, the product's own score (HubSpot retired its legacy `hubspotscore`). */
  score: string;
  /** cold, warm or hot. */
  tier: string;
  /** The top reasons, one per line ("+20 job title: VP of Sales"). */
  reasons: string;
  /** The scoring model's version, so a score can be traced to the rules that made it. */
  model: string;
  /** Why the record has its owner ("weighted round robin in Inbound SDRs: …"). */
  routingReason: string;
}

export const PRODUCT_FIELDS: Record<Crm, ProductFields> = {
  hubspot: {
    score: "lead_follow_up_score",
    tier: "lead_follow_up_tier",
    reasons: "lead_follow_up_score_reasons",
    model: "lead_follow_up_score_model",
    routingReason: "lead_follow_up_routing_reason",
  },
  salesforce: {
    score: "Lead_Score__c",
    tier: "Lead_Score_Tier__c",
    reasons: "Lead_Score_Reasons__c",
    model: "Lead_Score_Model__c",
    routingReason: "Routing_Reason__c",
  },
};
