"""``{% citation source … %}``: the "how to cite" line of a practice, a case report or a source.

It names the source by its title (never its file name), its publisher and
date or says they are not stated (未注明), the item or article and the
paragraph or lines, this page's address, and the catalogue's data revision
(the time of its last change). The revision, not an "accessed" date: pages
are cached per revision, so a date of rendering could be days old, while the
revision time is always true of the page's content.
"""
from __future__ import annotations

from django import template
from django.utils import timezone

from ..models import CatalogueRevision, SourceDocument

register = template.Library()


def revision_changed(request=None):
    """When the catalogue last changed (None before its first change).

    The page-cache middleware reads it with the revision token, for every anonymous request
    (practices/page_cache.py): taken from ``request`` then, it is the time of the very revision
    the page is cached under, and costs no query. Otherwise one query.
    """
    if request is not None and hasattr(request, "catalogue_changed"):
        return request.catalogue_changed
    return CatalogueRevision.objects.filter(key=1).values_list("changed", flat=True).first()


@register.inclusion_tag("practices/includes/citation.html", takes_context=True)
def citation(context, source: SourceDocument, *, item: int | None = None, article: str = "",
             lines: tuple | None = None, paragraph: str = "", heading_id: str = "cite-heading") -> dict:
    """Context for the citation include; ``item`` (practice number) or ``article`` (report title)."""
    request = context.get("request")
    changed = revision_changed(request)
    return {
        "source": source,
        "item": item,
        "article": article,
        "position": context.get("report").position if context.get("report") is not None and article else None,
        "line_start": lines[0] if lines else None,
        "line_end": lines[1] if lines else None,
        "paragraph": paragraph,
        "url": request.build_absolute_uri(request.path) if request is not None else "",
        "revision": timezone.localtime(changed).strftime("%Y-%m-%d %H:%M") if changed else "",
        "heading_id": heading_id,
    }
