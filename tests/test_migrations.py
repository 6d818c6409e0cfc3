"""Migrations apply from empty and can be reversed, on SQLite and on PostgreSQL."""

from io import StringIO

import pytest
from django.contrib.auth.models import Group
from django.core.management import call_command
from django.db import connection
from django.db.migrations.executor import MigrationExecutor


@pytest.mark.django_db(transaction=True)
def test_every_migration_reverses_and_applies_again() -> None:
    call_command("migrate", "articles", "zero", stdout=StringIO())
    tables = connection.introspection.table_names()
    assert "articles_remedy" not in tables and "triage_question" not in tables
    assert not Group.objects.filter(name="Editors").exists()

    call_command("migrate", stdout=StringIO())
    assert "articles_remedy" in connection.introspection.table_names()
    assert Group.objects.filter(name="Clinical reviewers").exists()
    assert not MigrationExecutor(connection).migration_plan(
        MigrationExecutor(connection).loader.graph.leaf_nodes()
    )


@pytest.mark.django_db
def test_no_model_change_lacks_a_migration() -> None:
    out = StringIO()
    call_command("makemigrations", "--check", "--dry-run", stdout=out)
    assert "No changes detected" in out.getvalue()
