trigger LeadChangeEventTrigger on LeadChangeEvent (after insert) {
    LeadFollowUpForwarder.forward(Trigger.new);
}
