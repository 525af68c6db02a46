"""Read-only admin views of the ledger: nobody adds, changes or deletes events or checkpoints here."""

from django.contrib import admin

from zhifa.core.admin import ReadOnlyAdmin
from zhifa.ledger.models import Checkpoint, Event


@admin.register(Event)
class EventAdmin(ReadOnlyAdmin):
    list_display = [
        "id",
        "log_index",
        "recorded_at",
        "event_type",
        "subject_type",
        "subject_id",
        "actor_name",
        "case_id",
    ]
    list_filter = ["event_type", "leaf__alg"]
    search_fields = ["event_type", "subject_id", "actor_name"]
    list_select_related = ["leaf"]
    show_full_result_count = False
    actions = None

    @admin.display(description="序号", ordering="leaf__index")
    def log_index(self, obj):
        return "待排序" if obj.index is None else obj.index


@admin.register(Checkpoint)
class CheckpointAdmin(ReadOnlyAdmin):
    list_display = ["tree_size", "created_at", "alg", "root_hex", "key_id"]
    readonly_fields = ["root_hex", "signature_hex"]
    actions = None
