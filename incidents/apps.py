from django.apps import AppConfig
from django.db.models.signals import post_migrate


class IncidentsConfig(AppConfig):
    name = "incidents"
    verbose_name = "Cases"

    def ready(self) -> None:
        # Models can be imported only once the apps are ready: here, as Django's own apps do.
        from incidents.roles import role_groups_after_migrate

        post_migrate.connect(role_groups_after_migrate, sender=self, dispatch_uid="casebook-role-groups")
