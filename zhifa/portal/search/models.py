"""The search index's own table, keyed by the caller's document id (it knows nothing of publications).

One row per searchable document: the filter values, the public title and text as indexed (the result page's
fallback and the source of snippets), and `sort_key` = (days since 1970-01-01 of published_on) × 2³² + doc_id, so
that "newest first" (published_on desc, doc_id desc) is simply `sort_key desc` — the rowid order of the SQLite FTS5
table and an ordinary b-tree on PostgreSQL. The full-text part is created by migration 0002 per database vendor:
SQLite: FTS5 table `portal_search_fts` (rowid = sort_key); PostgreSQL: column `tsv tsvector` with a GIN index.
The filters are tokens of that same full-text index (see tokens.meta_tokens), so the columns here need no b-tree
indexes of their own: a filter is intersected inside the full-text index, and the date order is sort_key's.
"""

from django.db import models


class SearchDocument(models.Model):
    doc_id = models.BigIntegerField("文档编号", primary_key=True)
    sort_key = models.BigIntegerField("排序键", unique=True)
    agency_id = models.BigIntegerField("执法主体")
    jurisdiction_path = models.CharField("区划路径", max_length=255)
    category = models.CharField("类别", max_length=64)
    published_on = models.DateField("公示日期")
    penalty_kinds = models.JSONField("处罚种类", default=list, blank=True)
    title = models.CharField("标题", max_length=500)
    text = models.TextField("公开文本")
    tokenizer = models.PositiveSmallIntegerField("分词版本", default=1)

    class Meta:
        db_table = "portal_search_document"
        verbose_name = "检索文档"
        verbose_name_plural = "检索文档"

    def __str__(self):
        return f"{self.doc_id} {self.title}"
