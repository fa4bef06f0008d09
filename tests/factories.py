"""factory_boy factories, served to tests as fixtures from conftest.py."""
from __future__ import annotations

import hashlib

import factory
from django.contrib.auth import get_user_model

from practices.models import Category, City, Practice, PracticeEntry, Province, SourceDocument


class ProvinceFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Province
        django_get_or_create = ("name",)

    name = factory.Sequence(lambda n: f"测试省{n}")
    slug = factory.Sequence(lambda n: f"ceshisheng-{n}")


class CityFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = City

    name = factory.Sequence(lambda n: f"测试市{n}")
    province = factory.SubFactory(ProvinceFactory)
    slug = factory.Sequence(lambda n: f"ceshishi-{n}")


class SourceDocumentFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = SourceDocument
        django_get_or_create = ("filename",)

    filename = factory.Sequence(lambda n: f"test_{n}.txt")
    title = "测试来源"
    kind = SourceDocument.Kind.PRACTICE_LIST
    raw_text = "原文"
    sha256 = factory.LazyAttribute(lambda o: hashlib.sha256(o.raw_text.encode()).hexdigest())


class PracticeFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Practice

    number = factory.Sequence(lambda n: 1000 + n)
    name = factory.Sequence(lambda n: f"测试做法{n}")
    category = factory.LazyFunction(lambda: Category.objects.order_by("number").first())
    source = factory.SubFactory(SourceDocumentFactory)
    status = "published"


class PracticeEntryFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = PracticeEntry

    practice = factory.SubFactory(PracticeFactory)
    city = factory.SubFactory(CityFactory)
    position = 1
    text = "累计兑现政策资金5.1亿元、惠及企业8468户。"


class UserFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = get_user_model()
        django_get_or_create = ("username",)

    username = factory.Sequence(lambda n: f"staff{n}")
    is_staff = True
    password = factory.django.Password("correct-horse-battery-staple")
