from django.contrib import admin

from zhifa.core.admin import ReadOnlyAdmin
from zhifa.laws.models import Article, Citation, Law


class ArticleInline(admin.TabularInline):
    model = Article
    fields = ["number", "chapter", "text"]
    readonly_fields = fields
    extra = 0
    can_delete = False

    def has_add_permission(self, request, obj=None):
        return False


@admin.register(Law)
class LawAdmin(ReadOnlyAdmin):
    list_display = ["title", "level", "issuer", "version_date", "status"]
    list_filter = ["level", "status"]
    search_fields = ["title", "code"]
    inlines = [ArticleInline]


@admin.register(Citation)
class CitationAdmin(ReadOnlyAdmin):
    list_display = ["__str__", "law", "article_number", "paragraph", "item"]
