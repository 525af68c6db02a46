from django.apps import AppConfig


class PortalSearchConfig(AppConfig):
    name = "zhifa.portal.search"
    label = "portal_search"
    verbose_name = "公示检索"
