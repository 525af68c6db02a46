"""Background work of the ledger (django-tasks)."""

from django_tasks import task


@task()
def checkpoint() -> int | None:
    """Sign a checkpoint of the current log; returns its tree size (None for an empty log)."""
    from zhifa.ledger.services import create_checkpoint

    result = create_checkpoint()
    return result.tree_size if result else None


@task()
def integrate_pending() -> int:
    """Integrate every queued event (periodic safety net behind the on-commit integration); returns how many."""
    from zhifa.ledger.services import integrate

    return integrate(wait=True)
