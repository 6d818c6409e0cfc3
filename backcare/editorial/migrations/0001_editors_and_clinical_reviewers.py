"""The two editorial groups and what each may do.

Editors write and change content and the symptom checker and send them for review.
Clinical reviewers may also publish (signing off with their name and the date),
delete, and publish the symptom checker. Nobody else publishes.
"""

from django.db import migrations

CONTENT = ["condition", "cause", "remedy", "exercise", "prevention", "redflag"]
TRIAGE = ["question", "choice", "rule", "disposition", "triagecase"]

EDITOR_PERMS = [
    *[("articles", f"{action}_{m}") for m in CONTENT for action in ("view", "add", "change")],
    *[("triage", f"{action}_{m}") for m in TRIAGE for action in ("view", "add", "change")],
    ("triage", "view_flowversion"),
    ("triage", "view_flowreviewrequest"),
    ("triage", "add_flowreviewrequest"),
]
REVIEWER_EXTRA = [
    *[("articles", f"{action}_{m}") for m in CONTENT for action in ("delete", "publish")],
    *[("triage", f"delete_{m}") for m in TRIAGE],
    ("triage", "publish_flowversion"),
]
GROUPS = {
    "Editors": EDITOR_PERMS,
    "Clinical reviewers": EDITOR_PERMS + REVIEWER_EXTRA,
}


def create_groups(apps, schema_editor):
    from django.contrib.auth.management import create_permissions

    # Permissions are normally made after all migrations; make them now to use them.
    for config in apps.get_app_configs():
        config.models_module = True
        create_permissions(config, apps=apps, verbosity=0)
        config.models_module = None
    Group = apps.get_model("auth", "Group")
    Permission = apps.get_model("auth", "Permission")
    for name, wanted in GROUPS.items():
        group, _ = Group.objects.get_or_create(name=name)
        perms = [
            Permission.objects.get(content_type__app_label=app, codename=codename)
            for app, codename in wanted
        ]
        group.permissions.set(perms)


def remove_groups(apps, schema_editor):
    apps.get_model("auth", "Group").objects.filter(name__in=GROUPS).delete()


class Migration(migrations.Migration):
    dependencies = [
        ("auth", "0012_alter_user_first_name_max_length"),
        ("contenttypes", "0002_remove_content_type_name"),
        ("articles", "0002_history_versions_and_sign_off"),
        ("triage", "0002_history_versions_and_review"),
    ]

    operations = [migrations.RunPython(create_groups, remove_groups)]
