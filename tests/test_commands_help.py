"""Every management command of the project documents itself: ``--help`` renders and every argument has help."""
from __future__ import annotations

import argparse

import pytest
from django.core.management import get_commands, load_command_class

PROJECT_APPS = ("practices", "bench")
PROJECT_COMMANDS = sorted((name, app) for name, app in get_commands().items() if app in PROJECT_APPS)
# Django's own options (--settings, --verbosity ...) are documented by Django.
DJANGO_OPTIONS = {"help", "version", "verbosity", "settings", "pythonpath", "traceback", "no_color",
                  "force_color", "skip_checks"}


def test_the_project_has_commands():
    assert {"load_catalogue", "benchmark", "loadtest"} <= {name for name, _ in PROJECT_COMMANDS}


@pytest.mark.parametrize(("name", "app"), PROJECT_COMMANDS, ids=[name for name, _ in PROJECT_COMMANDS])
def test_help_renders_and_every_argument_is_explained(name, app):
    parser = load_command_class(app, name).create_parser("manage.py", name)
    # format_help expands every "%" in the help texts: a bare one ("80%") raises ValueError here.
    assert name in parser.format_help()
    undocumented = [action.dest for action in parser._actions
                    if action.dest not in DJANGO_OPTIONS and action.help in (None, "", argparse.SUPPRESS)]
    assert undocumented == []
