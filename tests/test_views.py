"""The plain home page lists the catalogue (the public-site issue builds the rest)."""
import pytest
from django.urls import reverse

pytestmark = pytest.mark.django_db


def test_home_lists_all_72_practices_grouped_by_category_with_cities(client, catalogue, django_assert_max_num_queries):
    with django_assert_max_num_queries(6):
        response = client.get(reverse("practices:home"))
    assert response.status_code == 200
    html = response.content.decode()
    assert html.count('<li value="') == 72
    assert "破解民营企业融资难题" in html
    assert "推进企业开办智能化、极简化" in html and "青岛市、江阴市、佛山市" in html


def test_drafts_are_not_public(client, catalogue):
    from practices.models import Practice

    Practice.objects.filter(number=5).update(status="draft")
    assert client.get("/practices/5/").status_code == 404
    assert "建立财政奖补资金快速拨付机制" not in client.get("/").content.decode()
