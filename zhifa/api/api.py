"""The REST API root (/api/v1/): mounts each app's router. OpenAPI at /api/v1/openapi.json."""

from django.http import Http404
from ninja import NinjaAPI

from zhifa.api.auth import REQUIRED
from zhifa.core.errors import DomainError

api = NinjaAPI(
    title="zhifa 行政执法平台 API",
    version="1",
    description="执法主体和人员库、法律法规库、执法事项库、期限计算与全过程记录。机器客户端使用 Bearer 令牌。",
    auth=REQUIRED,
    urls_namespace="api",
)


@api.exception_handler(DomainError)
def domain_error(request, exc: DomainError):
    # Some refusals must leave a trace that outlives the rolled-back transaction (e.g. an alert that the
    # working-day calendar lacks a year): the error carries it and it is written here, after the rollback.
    after_rollback = getattr(exc, "after_rollback", None)
    if after_rollback is not None:
        after_rollback()
    return api.create_response(request, {"error": exc.as_dict()}, status=exc.status)


@api.exception_handler(Http404)
def not_found(request, exc):
    return api.create_response(
        request, {"error": {"code": "not_found", "message": "未找到该记录，或您无权查看。"}}, status=404
    )


def _mount():
    from zhifa.cases.api import router as cases
    from zhifa.catalog.api import router as catalog
    from zhifa.deadlines.api import router as deadlines
    from zhifa.documents.api import router as documents
    from zhifa.laws.api import router as laws
    from zhifa.ledger.api import router as ledger
    from zhifa.portal.annual.api import router as annual
    from zhifa.portal.api import router as portal
    from zhifa.portal.prior.api import router as portal_prior
    from zhifa.portal.search.api import router as portal_search
    from zhifa.registry.api import router as registry
    from zhifa.reviews.api import router as reviews

    api.add_router("/registry/", registry, tags=["执法主体和人员库"])
    api.add_router("/laws/", laws, tags=["法律法规库"])
    api.add_router("/catalog/", catalog, tags=["执法事项库"])
    api.add_router("/deadlines/", deadlines, tags=["期限计算"])
    api.add_router("/ledger/", ledger, tags=["全过程记录"])
    api.add_router("/cases/", cases, tags=["办案"])
    api.add_router("/documents/", documents, tags=["执法文书"])
    api.add_router("/reviews/", reviews, tags=["法制审核"])
    api.add_router("/portal/", portal, tags=["公示平台"])
    api.add_router("/portal/search/", portal_search, tags=["公示检索"])
    api.add_router("/portal/prior/", portal_prior, tags=["公示平台（事前公开）"])
    api.add_router("/annual/", annual, tags=["统计年报"])


_mount()
