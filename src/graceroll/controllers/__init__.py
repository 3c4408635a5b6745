"""Level-triggered controllers: read the store, plan with pure functions, write back, record events."""
