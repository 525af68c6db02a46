from django.apps import AppConfig


class FilesConfig(AppConfig):
    name = "zhifa.files"
    label = "files"
    verbose_name = "文件存储"
