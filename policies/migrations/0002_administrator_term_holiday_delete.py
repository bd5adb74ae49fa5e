"""Administrators may delete a term holiday entered by mistake (it only changes school-day counting)."""

from django.db import migrations

PERMISSIONS = ["delete_termholiday"]


def grant(apps, schema_editor):
    Group = apps.get_model("auth", "Group")
    Permission = apps.get_model("auth", "Permission")
    group = Group.objects.filter(name="Administrator").first()
    if group is None:
        return
    group.permissions.add(*Permission.objects.filter(content_type__app_label="policies", codename__in=PERMISSIONS))


def revoke(apps, schema_editor):
    Group = apps.get_model("auth", "Group")
    Permission = apps.get_model("auth", "Permission")
    group = Group.objects.filter(name="Administrator").first()
    if group is not None:
        group.permissions.remove(
            *Permission.objects.filter(content_type__app_label="policies", codename__in=PERMISSIONS)
        )


class Migration(migrations.Migration):
    dependencies = [
        ("policies", "0001_initial"),
        ("incidents", "0003_roles"),
    ]

    operations = [migrations.RunPython(grant, revoke)]
