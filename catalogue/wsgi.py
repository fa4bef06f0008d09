"""WSGI entry point: ``gunicorn -c catalogue/gunicorn.py catalogue.wsgi``."""
import os

from django.core.wsgi import get_wsgi_application

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "catalogue.settings")
application = get_wsgi_application()

# Load jieba's dictionary now, not at a visitor's first search; with gunicorn's
# preload_app (catalogue/gunicorn.py) this happens once, in the master process.
from practices.importer.segmentation import tokenizer  # noqa: E402 - needs the configured app

tokenizer()
