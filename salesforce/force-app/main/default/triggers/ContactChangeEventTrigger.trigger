trigger ContactChangeEventTrigger on ContactChangeEvent (after insert) {
    LeadFollowUpForwarder.forward(Trigger.new);
}
