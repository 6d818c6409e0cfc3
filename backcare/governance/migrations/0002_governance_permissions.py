"""Who sees the governance pages: editors see page feedback and the safety case;
clinical reviewers also see the checker's outcome counts and may delete feedback."""

from django.db import migrations

EDITORS = [
    ("governance", "view_feedback"),
    ("governance", "view_safetycase"),
]
REVIEWERS = [
    *EDITORS,
    ("governance", "delete_feedback"),
    ("governance", "view_checkeroutcomes"),
]
GRANTS = {"Editors": EDITORS, "Clinical reviewers": REVIEWERS}


def grant(apps, schema_editor):
    from django.contrib.auth.management import create_permissions

    for config in apps.get_app_configs():
        config.models_module = True
        create_permissions(config, apps=apps, verbosity=0)
        config.models_module = None
    Group = apps.get_model("auth", "Group")
    Permission = apps.get_model("auth", "Permission")
    for name, wanted in GRANTS.items():
        group, _ = Group.objects.get_or_create(name=name)
        for app, codename in wanted:
            group.permissions.add(
                Permission.objects.get(content_type__app_label=app, codename=codename)
            )


def revoke(apps, schema_editor):
    Permission = apps.get_model("auth", "Permission")
    for group in apps.get_model("auth", "Group").objects.filter(name__in=GRANTS):
        group.permissions.remove(*Permission.objects.filter(content_type__app_label="governance"))


class Migration(migrations.Migration):
    dependencies = [
        ("governance", "0001_feedback_and_governance_pages"),
        ("editorial", "0001_editors_and_clinical_reviewers"),
    ]

    operations = [migrations.RunPython(grant, revoke)]
