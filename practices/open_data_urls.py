"""Open-data routes: exports of any filtered list, feeds, the data release."""
urlpatterns: list = []
