from django.apps import AppConfig


class FilesConfig(AppConfig):
    name = "zhifa.files"
    label = "files"
    verbose_name = "文件存储"

    def ready(self):
        from zhifa.files.checks import check_blobs
        from zhifa.ledger.verify import register_file_checker

        register_file_checker(check_blobs)
