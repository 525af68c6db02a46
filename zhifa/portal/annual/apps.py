from django.apps import AppConfig


class AnnualConfig(AppConfig):
    name = "zhifa.portal.annual"
    label = "annual"
    verbose_name = "行政执法统计年报"
