from django_tasks import task

from zhifa.reviews import services


@task()
def check_review_deadlines_task() -> dict:
    """Hourly: due-soon and overdue alerts for pending legal reviews (services.check_deadlines)."""
    return services.check_deadlines()
