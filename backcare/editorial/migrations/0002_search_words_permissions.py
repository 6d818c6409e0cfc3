"""Editors and clinical reviewers keep the search words list like any other content."""

from django.db import migrations

PERMS = {
    "Editors": ["view", "add", "change"],
    "Clinical reviewers": ["view", "add", "change", "delete", "publish"],
}


def grant(apps, schema_editor):
    from django.contrib.auth.management import create_permissions

    for config in apps.get_app_configs():
        config.models_module = True
        create_permissions(config, apps=apps, verbosity=0)
        config.models_module = None
    Group = apps.get_model("auth", "Group")
    Permission = apps.get_model("auth", "Permission")
    for name, actions in PERMS.items():
        group = Group.objects.filter(name=name).first()
        if group is None:
            continue
        group.permissions.add(
            *Permission.objects.filter(
                content_type__app_label="articles",
                codename__in=[f"{action}_searchwords" for action in actions],
            )
        )


class Migration(migrations.Migration):
    dependencies = [
        ("editorial", "0001_editors_and_clinical_reviewers"),
        ("articles", "0003_search_words_and_other_names"),
    ]

    operations = [migrations.RunPython(grant, migrations.RunPython.noop)]
