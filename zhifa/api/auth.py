"""API authentication: bearer tokens for machine clients, the session for the console."""

from __future__ import annotations

import hashlib
import secrets

from django.db import transaction
from django.utils import timezone
from ninja.security import HttpBearer, SessionAuth

from zhifa.registry.models import ApiToken, User

TOKEN_PREFIX = "zf_"


def _digest(secret: str) -> str:
    return hashlib.sha256(secret.encode()).hexdigest()


def issue_token(user: User, name: str, expires_at=None) -> tuple[ApiToken, str]:
    """Create a token; returns the row and the secret, which is shown once and never stored."""
    from zhifa.ledger.services import SYSTEM, append

    secret = TOKEN_PREFIX + secrets.token_urlsafe(32)
    with transaction.atomic():
        token = ApiToken.objects.create(
            user=user, name=name, prefix=secret[:10], digest=_digest(secret), expires_at=expires_at
        )
        append(
            "registry.api_token_issued",
            actor=SYSTEM,
            subject=token,
            payload={"user": user.pk, "name": name, "prefix": token.prefix},
        )
    return token, secret


class TokenAuth(HttpBearer):
    def authenticate(self, request, token: str):
        row = (
            ApiToken.objects.select_related("user")
            .filter(digest=_digest(token), revoked_at__isnull=True)
            .first()
        )
        if row is None or not row.user.is_active:
            return None
        now = timezone.now()
        if row.expires_at and row.expires_at <= now:
            return None
        if not row.last_used_at or (now - row.last_used_at).total_seconds() > 60:
            ApiToken.objects.filter(pk=row.pk).update(last_used_at=now)
        request.user = row.user
        return row.user


class Session(SessionAuth):
    def authenticate(self, request, key):
        user = super().authenticate(request, key)
        return user if user is not None and user.is_active else None


def public(request):
    """Last in an auth list: lets anonymous callers through; scoping then shows them public rows only."""
    return True


REQUIRED = [TokenAuth(), Session()]
OPTIONAL = [TokenAuth(), Session(), public]
