from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class BenchConfig(AppConfig):
    """Benchmark and load-test tooling: the synthetic catalogue and the ``benchmark``,
    ``loadtest`` and ``generate_synthetic`` commands.

    Not part of the public site: ``catalogue.settings`` does not install it;
    ``bench.settings`` (``make bench``, ``make loadtest``) and the test settings do.
    It has no models, URLs or middleware, only management commands.
    """

    name = "bench"
    verbose_name = _("基准测试与负载测试")
