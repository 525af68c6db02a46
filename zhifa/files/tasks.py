"""Background work of the file store (django-tasks)."""

from django_tasks import task


@task()
def expire_uploads_task() -> int:
    """Hourly: expire idle unfinished uploads and delete leftover temporary files (uploads.expire_stale_uploads)."""
    from zhifa.files.uploads import expire_stale_uploads

    return expire_stale_uploads()
