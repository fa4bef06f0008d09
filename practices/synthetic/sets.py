"""What names a synthetic set (its SourceDocument), how to tell real records from synthetic ones, the shared sizes."""
from __future__ import annotations

from django.db import models

from ..models import Practice, SourceDocument

# Bump when the same seed would give different data: cached benchmark databases are rebuilt.
GENERATOR_VERSION = 2
SOURCE_PREFIX = "synthetic-seed-"
SOURCE_SUFFIX = ".txt"
# Practices generated, written and forgotten per step (bounds memory at 100k+).
CHUNK_SIZE = 2000
BATCH_SIZE = 1000


class SyntheticError(Exception):
    """The synthetic catalogue cannot be generated or cleared; str() says why."""


def source_filename(seed: int) -> str:
    """The SourceDocument file name of the synthetic set of ``seed``."""
    return f"{SOURCE_PREFIX}{seed}{SOURCE_SUFFIX}"


def synthetic_sources() -> models.QuerySet[SourceDocument]:
    """Every synthetic SourceDocument (any seed)."""
    return SourceDocument.objects.filter(filename__startswith=SOURCE_PREFIX, filename__endswith=SOURCE_SUFFIX)


def real_practices() -> models.QuerySet[Practice]:
    """Practices that are not synthetic."""
    return Practice.objects.exclude(source__filename__startswith=SOURCE_PREFIX)
