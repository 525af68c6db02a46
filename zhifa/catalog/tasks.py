from django_tasks import task

from zhifa.catalog import services


@task()
def supersede_due_task() -> int:
    """Daily: versions whose successor has come into force are marked superseded (services.supersede_due)."""
    return services.supersede_due()
