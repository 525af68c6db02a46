from django.apps import AppConfig
from django.db.models.signals import post_migrate


def _seed(sender, **kwargs):
    from zhifa.portal.annual.seed import seed

    seed()


class AnnualConfig(AppConfig):
    name = "zhifa.portal.annual"
    label = "annual"
    verbose_name = "行政执法统计年报"

    def ready(self):
        # after core's seeders (zhifa.core precedes this app in INSTALLED_APPS): the statutes are loaded
        post_migrate.connect(_seed, sender=self, dispatch_uid="zhifa-annual-seed")
