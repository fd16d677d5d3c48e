trigger OpportunityChangeEventTrigger on OpportunityChangeEvent (after insert) {
    LeadFollowUpForwarder.forward(Trigger.new);
}
