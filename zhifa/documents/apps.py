from django.apps import AppConfig
from django.db.models.signals import post_migrate


def _seed(sender, app_config=None, using="default", plan=None, **kwargs):
    from zhifa.documents.services import seed_kinds

    seed_kinds()


class DocumentsConfig(AppConfig):
    name = "zhifa.documents"
    label = "documents"
    verbose_name = "执法文书"

    def ready(self):
        # After core's seeders (earlier in INSTALLED_APPS) have loaded the statutes the kinds cite.
        post_migrate.connect(_seed, sender=self, dispatch_uid="zhifa-documents-seed")
