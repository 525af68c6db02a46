"""Ledger event types of the deadlines engine."""

OVERRIDE_SAVED = "deadlines.override_saved"
OVERRIDE_DELETED = "deadlines.override_deleted"
CALENDAR_YEAR_SAVED = "deadlines.calendar_year_saved"
CALENDAR_YEAR_DELETED = "deadlines.calendar_year_deleted"
RULE_CREATED = "deadlines.rule_created"
RULE_CHANGED = "deadlines.rule_changed"
RULE_CORRECTED = "deadlines.rule_corrected"  # a correction of erroneous seed data (seed.CORRECTIONS)

ALL = [
    OVERRIDE_SAVED,
    OVERRIDE_DELETED,
    CALENDAR_YEAR_SAVED,
    CALENDAR_YEAR_DELETED,
    RULE_CREATED,
    RULE_CHANGED,
    RULE_CORRECTED,
]
