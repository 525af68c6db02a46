from django.apps import AppConfig
from django.db.models.signals import post_migrate


def _seed(sender, **kwargs):
    # after core's seeders (zhifa.core precedes this app in INSTALLED_APPS): the statutes and period rules exist
    from zhifa.portal.seed import seed

    seed()


class PortalConfig(AppConfig):
    name = "zhifa.portal"
    label = "portal"
    verbose_name = "公示平台"

    def ready(self):
        post_migrate.connect(_seed, sender=self, dispatch_uid="zhifa-portal-seed")
        from zhifa.cases.services import register_transition_listener
        from zhifa.portal import services

        # Decisions and 查封/扣押 become publications; 决定变更/撤销 withdraws them (in the step's transaction).
        register_transition_listener(services.on_transition)
        from zhifa.cases.events import register_labels
        from zhifa.portal.events import LABELS

        register_labels(LABELS)  # publication events carry the case's id: the case timeline names them
        from zhifa.portal.search import services as search

        search.register_result_loader(services.result_loader)
