"""Public pages, server-rendered. Views stay thin: reads go through selectors,
filtering through the FilterSets of practices.filters."""

from .indexes import api_docs, categories, cities, provinces
from .places import category_detail, city_detail, province_detail
from .practices import home, practice_compare, practice_detail, practice_list
from .reports import about, case_report_detail, case_report_list, case_report_redirect, metric_list

__all__ = [
    "about",
    "case_report_detail",
    "case_report_list",
    "case_report_redirect",
    "api_docs",
    "categories",
    "category_detail",
    "cities",
    "city_detail",
    "home",
    "metric_list",
    "practice_compare",
    "practice_detail",
    "practice_list",
    "province_detail",
    "provinces",
]
