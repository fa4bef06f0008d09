"""The public site in Chinese (default) and English: catalogue completeness and switching."""
import ast
import re
from pathlib import Path

import polib
import pytest
from django.conf import settings
from django.utils.translation.template import templatize

ROOT = Path(__file__).resolve().parents[1]
PO = ROOT / "locale" / "en" / "LC_MESSAGES" / "django.po"
MO = PO.with_suffix(".mo")
TEMPLATES = sorted((ROOT / "practices" / "templates" / "practices").rglob("*.html"))
MODULES = sorted([
    ROOT / "practices" / "filters.py",
    *(ROOT / "practices" / name for name in ("params.py", "problems.py", "api.py", "api_pagination.py", "exports.py")),
    *(ROOT / "practices" / "selectors").glob("*.py"),
    *(ROOT / "practices" / "views").glob("*.py"),
    *(ROOT / "practices" / "templatetags").glob("*.py"),
])
GETTEXT_NAMES = {"_", "gettext", "gettext_lazy", "ngettext", "ngettext_lazy", "pgettext", "pgettext_lazy"}


def catalogue(entries) -> dict:
    return {
        (entry.msgctxt, entry.msgid, entry.msgid_plural): entry.msgstr or tuple(sorted(entry.msgstr_plural.items()))
        for entry in entries if entry.msgid
    }


def msgids_in(source: str) -> set[str]:
    """Every string passed first to a gettext function in ``source`` (Python)."""
    found = set()
    for node in ast.walk(ast.parse(source)):
        if isinstance(node, ast.Call) and getattr(node.func, "id", getattr(node.func, "attr", None)) in GETTEXT_NAMES:
            if node.args and isinstance(node.args[0], ast.Constant) and isinstance(node.args[0].value, str):
                found.add(node.args[0].value)
    return found


def msgids_in_template(source: str) -> set[str]:
    """Every msgid of a template, read from Django's templatize() output (what makemessages feeds xgettext)."""
    calls = re.findall(r"\b(?:n|p)?gettext\((u'(?:[^'\\]|\\.)*')", templatize(source))
    return {ast.literal_eval(call) for call in calls}


def test_mo_is_compiled_from_the_current_po():
    po, mo = polib.pofile(str(PO)), polib.mofile(str(MO))
    assert catalogue(po.translated_entries()) == catalogue(mo)


def test_po_has_no_untranslated_or_fuzzy_entries():
    po = polib.pofile(str(PO))
    assert po.untranslated_entries() == []
    assert po.fuzzy_entries() == []


@pytest.mark.parametrize("path", TEMPLATES + MODULES, ids=lambda p: str(p.relative_to(ROOT)))
def test_every_ui_string_has_an_english_translation(path):
    source = path.read_text(encoding="utf-8")
    msgids = msgids_in_template(source) if path.suffix == ".html" else msgids_in(source)
    translated = {entry.msgid for entry in polib.pofile(str(PO)).translated_entries()}
    missing = {msgid for msgid in msgids if re.search(r"[\u4e00-\u9fff]", msgid)} - translated
    assert not missing


def test_the_extractor_sees_template_strings():
    # Guards the test above: it must actually find strings to check.
    assert "跳到正文" in msgids_in_template((ROOT / "practices/templates/practices/base.html").read_text())
    assert "报送了 %(count)s 项典型做法" in msgids_in_template(
        (ROOT / "practices/templates/practices/city_detail.html").read_text()
    )
    assert "没有第 %(page)s 页，已显示最后一页（第 %(last)s 页）。" in msgids_in((ROOT / "practices/views/common.py").read_text())


# -- rendering ----------------------------------------------------------------------
pytestmark = pytest.mark.django_db


def test_chinese_is_the_default(client, catalogue):
    html = client.get("/cities/taizhou-zhejiang/").content.decode()
    assert '<html lang="zh-Hans">' in html and "<h1>台州市</h1>" in html and "跳到正文" in html


@pytest.mark.parametrize(("url", "texts"), [
    ("/cities/taizhou-zhejiang/", ["<h1>Taizhou</h1>", "Skip to content", "By category", "Zhejiang"]),
    ("/practices/?city=台州&q=融资", ["Practices from Taizhou, containing “融资”:", "Refine", "Keywords"]),
    ("/practices/15/", ["Qingdao, Changzhou, Foshan", "Metrics extracted from this practice", "Figure as written"]),
    ("/practices/15/compare/", ["By measure", "Qingdao · ", "Chart data", "Other metrics"]),
    ("/practices/?page=abc", ["Invalid page “abc”: page takes a whole number from 1. No results are shown."]),
    ("/practices/?city=mars", ["There is no city “mars”."]),
    ("/", ["At a glance", "Categories × cities", ">Taizhou</a>"]),
])
def test_english_translation_with_pinyin_place_names(client, catalogue, url, texts):
    html = client.get("/en" + url).content.decode()
    assert '<html lang="en">' in html
    for text in texts:
        assert text in html


def test_the_language_is_in_the_url_and_the_switch_is_a_plain_link(client, catalogue):
    html = client.get("/practices/15/?q=%E8%9E%8D%E8%B5%84").content.decode()
    assert '<a href="/en/practices/15/?q=%E8%9E%8D%E8%B5%84" lang="en" hreflang="en">English</a>' in html
    assert 'rel="alternate" hreflang="x-default" href="http://testserver/practices/15/' in html
    assert "csrfmiddlewaretoken" not in html  # no form: the page is the same for everyone, and cacheable
    english = client.get("/en/practices/15/")
    assert "Previous" in english.content.decode()
    assert '<a href="/practices/15/" lang="zh-Hans" hreflang="zh-Hans">简体中文</a>' in english.content.decode()
    # Neither a cookie nor the browser's language changes a page: the URL alone names it.
    client.cookies[settings.LANGUAGE_COOKIE_NAME] = "en"
    chinese = client.get("/practices/15/", HTTP_ACCEPT_LANGUAGE="en")
    assert "上一项" in chinese.content.decode()
    assert "Accept-Language" not in chinese.get("Vary", "") and "Cookie" not in chinese.get("Vary", "")


def test_an_old_language_switch_post_lands_on_the_english_address(client, catalogue):
    response = client.post("/i18n/setlang/", {"language": "en", "next": "/practices/15/"})
    assert response.status_code == 302 and response["Location"] == "/en/practices/15/"
