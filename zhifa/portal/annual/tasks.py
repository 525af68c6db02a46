from django_tasks import task

from zhifa.portal.annual import services


@task()
def check_overdue_task() -> dict:
    """Daily: alert the heads (and their supervisors) of bodies whose previous-year 年报 is not published by the due
    date (services.check_overdue)."""
    return services.check_overdue()
