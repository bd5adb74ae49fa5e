"""The case's response in force, copied from its sanctions (see Case.response): the columns, then
their values for the cases there are, by the rule of decisions.selectors.response_in_force_among
(written out here as it stood, so the migration never changes with the app)."""

import django.db.models.deletion
from django.db import migrations, models

FINISHED = {"issued", "held", "declined", "did_not_attend", "outcome_recorded", "advice_sought",
            "result_recorded", "lifted", "withdrawn"}
BAN_IN_FORCE = {"provisional", "representations", "confirmed", "varied"}


def fill(apps, schema_editor):
    Case = apps.get_model("incidents", "Case")
    Sanction = apps.get_model("incidents", "Sanction")
    leading: dict[int, tuple] = {}
    rows = (Sanction.objects.exclude(state="withdrawn").order_by()
            .values_list("case_id", "pk", "kind", "state", "response_type__level"))
    for case_id, pk, kind, state, level in rows.iterator(chunk_size=5000):
        key = (state not in FINISHED, level, pk)
        if case_id not in leading or key > leading[case_id][0]:
            code = "ban_in_force" if kind == "ban" and state in BAN_IN_FORCE else kind
            leading[case_id] = (key, pk, code)
    updates = [Case(pk=case_id, response=code, response_sanction_id=pk)
               for case_id, (_, pk, code) in leading.items()]
    Case.objects.bulk_update(updates, ["response", "response_sanction"], batch_size=2000)


class Migration(migrations.Migration):

    dependencies = [
        ('incidents', '0024_parent_link_short_code'),
        ('policies', '0005_online_reporting'),
    ]

    operations = [
        migrations.AddField(
            model_name='case',
            name='response',
            field=models.CharField(blank=True, choices=[('', 'No response'), ('warning', 'Warning'), ('meeting', 'Meeting'), ('referral', 'Referral to the authorities'), ('legal', 'Legal advice'), ('moderators', 'Request to group moderators'), ('ban', 'Site ban (to do, or lifted)'), ('ban_in_force', 'Site ban in force')], editable=False, max_length=16),
        ),
        migrations.AddField(
            model_name='case',
            name='response_sanction',
            field=models.ForeignKey(blank=True, editable=False, null=True, on_delete=django.db.models.deletion.SET_NULL, related_name='+', to='incidents.sanction'),
        ),
        migrations.RunPython(fill, migrations.RunPython.noop),
        migrations.AddIndex(
            model_name='case',
            index=models.Index(fields=['response', 'opened_at'], name='case_response_opened'),
        ),
        migrations.AddIndex(
            model_name='case',
            index=models.Index(fields=['response', 'id'], name='case_response_ids'),
        ),
    ]
