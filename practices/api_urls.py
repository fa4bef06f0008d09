"""API routes (/api/…): see api.py."""
urlpatterns: list = []
