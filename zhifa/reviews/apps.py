from django.apps import AppConfig
from django.db.models.signals import post_migrate


def _seed(sender, **kwargs):
    # Runs after core's seeders (zhifa.core precedes zhifa.reviews in INSTALLED_APPS): the statutes are loaded.
    from zhifa.reviews.seed import seed

    seed()


class ReviewsConfig(AppConfig):
    name = "zhifa.reviews"
    label = "reviews"
    verbose_name = "法制审核"

    def ready(self):
        post_migrate.connect(_seed, sender=self, dispatch_uid="zhifa-reviews-seed")
        from zhifa.cases.services import register_decision_guard
        from zhifa.reviews.services import decision_gate

        register_decision_guard(decision_gate)
        from zhifa.cases.events import register_labels
        from zhifa.reviews.events import LABELS

        register_labels(LABELS)  # review events carry the case's id: the case timeline names them
