from django_tasks import task

from zhifa.registry import services


@task()
def check_certificates() -> dict:
    """Daily: alerts for certificates about to expire and officers left without a valid one."""
    return services.check_certificates()
