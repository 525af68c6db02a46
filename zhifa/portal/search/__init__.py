"""Chinese full-text search over publications (bigram index, SQLite FTS5 / PostgreSQL tsvector).

The interface (implemented in services.py; imported lazily here because this package is a Django app):

    index_document(doc_id, *, agency_id, jurisdiction_path, category, published_on, penalty_kinds, title, text)
        insert or replace; call inside the caller's transaction
    remove_document(doc_id)            withdrawn/expired: gone from search when the caller's transaction commits
    search(q, *, agency_id=None, jurisdiction_path=None, category=None, date_from=None, date_to=None,
           penalty_kind=None, page=1, per_page=20) -> SearchPage
    register_result_loader(fn)         fn(ids) -> [{id, url, title, agency, category, published_on, snippet_text}]
    load_results(ids)                  display rows in the order of ids (registered loader, else the index rows)
"""

_EXPORTS = {
    "index_document", "remove_document", "search", "SearchPage", "register_result_loader",
    "unregister_result_loader", "load_results", "rebuild", "COUNT_CAP",
}  # fmt: skip


def __getattr__(name):
    if name in _EXPORTS:
        from zhifa.portal.search import services

        return getattr(services, name)
    raise AttributeError(name)
