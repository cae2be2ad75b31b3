"""warlog: an event-sourced archive of conflict reports."""
