import re

import django.core.validators
from django.db import migrations, models

CODE_HELP = ("Two to six capital letters or digits, starting with a letter: it begins every case reference "
             "(HIL-2026-0042). It cannot change once the school has cases.")
CODE_VALIDATOR = django.core.validators.RegexValidator(
    "^[A-Z][A-Z0-9]{1,5}$", "Two to six capital letters or digits, starting with a letter.")


def codes_from_names(apps, schema_editor):
    """Each school a code from its name (HIL, then HIL2…), as policies.selectors.school_code_suggested does.
    Its existing references (CB-2026-0001) stay as they are: letters already sent cite them."""
    School = apps.get_model("policies", "School")
    taken: set[str] = set()
    for school in School.objects.order_by("pk"):
        letters = re.sub(r"[^A-Z0-9]", "", school.name.upper()).lstrip("0123456789")
        stem = (letters[:3] or "SCH").ljust(2, "X")
        code, n = stem, 1
        while code in taken:
            n += 1
            code = f"{stem}{n}"
        taken.add(code)
        school.code = code
        school.save(update_fields=["code"])


class Migration(migrations.Migration):

    dependencies = [
        ("policies", "0005_online_reporting"),
    ]

    operations = [
        migrations.AddField(
            model_name="school", name="code",
            field=models.CharField(max_length=6, null=True, verbose_name="short code"),
        ),
        migrations.AddField(
            model_name="historicalschool", name="code",
            field=models.CharField(db_index=True, default="", help_text=CODE_HELP, max_length=6,
                                   validators=[CODE_VALIDATOR], verbose_name="short code"),
            preserve_default=False,
        ),
        migrations.RunPython(codes_from_names, migrations.RunPython.noop),
        migrations.AlterField(
            model_name="school", name="code",
            field=models.CharField(help_text=CODE_HELP, max_length=6, unique=True, validators=[CODE_VALIDATOR],
                                   verbose_name="short code"),
        ),
    ]
