from django.apps import AppConfig
from django.db.models.signals import post_migrate


def _seed(sender, **kwargs):
    # Runs after core's seeders (zhifa.core precedes zhifa.cases in INSTALLED_APPS): the statutes are loaded.
    from zhifa.cases.seed import seed

    seed()


class CasesConfig(AppConfig):
    name = "zhifa.cases"
    label = "cases"
    verbose_name = "办案"

    def ready(self):
        post_migrate.connect(_seed, sender=self, dispatch_uid="zhifa-cases-seed")
        try:
            from zhifa.files.uploads import register_completion_handler
        except ImportError:  # the tus server of zhifa.files is not there yet
            return
        from zhifa.cases.uploads import evidence_upload_completed

        register_completion_handler("evidence", evidence_upload_completed)
