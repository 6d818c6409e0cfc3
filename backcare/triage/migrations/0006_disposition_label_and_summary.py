# The short name and one-line summary of each level of care, so that every page names a
# level of care in the words a clinical reviewer signed off. Rows made before this are
# filled by load_content from content/triage/dispositions/ (until then they are empty,
# and the validator refuses to publish a flow with an empty one).

from django.db import migrations, models

LABEL_HELP = "A short name for this level of care, for badges and reports."
SUMMARY_HELP = (
    "One or two sentences shown under the title outside the checker: on warning "
    "sign pages, 'When to see a doctor' and error pages."
)
TITLE_HELP = (
    "The big instruction, shown on the outcome and wherever this level of care is "
    "named. Write {emergency_number} and {urgent_service}, never the numbers."
)


class Migration(migrations.Migration):
    dependencies = [
        ("triage", "0005_merge_counts_and_rule_sources"),
    ]

    operations = [
        *(
            migrations.AddField(
                model_name=model,
                name="label",
                field=models.CharField(default="", help_text=LABEL_HELP, max_length=40),
                preserve_default=False,
            )
            for model in ("disposition", "historicaldisposition")
        ),
        *(
            migrations.AddField(
                model_name=model,
                name="summary",
                field=models.CharField(default="", help_text=SUMMARY_HELP, max_length=300),
                preserve_default=False,
            )
            for model in ("disposition", "historicaldisposition")
        ),
        *(
            migrations.AlterField(
                model_name=model,
                name="title",
                field=models.CharField(help_text=TITLE_HELP, max_length=120),
            )
            for model in ("disposition", "historicaldisposition")
        ),
    ]
