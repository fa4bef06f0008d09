from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class PracticesConfig(AppConfig):
    name = "practices"
    verbose_name = _("典型做法目录")
    default_auto_field = "django.db.models.BigAutoField"
