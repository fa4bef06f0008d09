from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class PracticesConfig(AppConfig):
    name = "practices"
    verbose_name = _("典型做法目录")
    default_auto_field = "django.db.models.BigAutoField"

    def ready(self) -> None:
        # Keep the full-text search words current on every save (practices/search/index.py).
        from . import catalogue_cache, metric_measures, search, warming

        search.connect_signals()
        # Cached public figures (facets, totals) are replaced on every change.
        catalogue_cache.connect_signals()
        # ... and computed again in the background a moment after the last write (practices/warming.py).
        warming.connect_signals()
        # A derived measure follows staff edits of a metric's label or unit.
        metric_measures.connect_signals()
