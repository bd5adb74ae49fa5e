"""Parents and carers, their children, and the class and year groups parents run."""

from django.db import models
from simple_history.models import HistoricalRecords

from policies.models import School


class Child(models.Model):
    school = models.ForeignKey(School, on_delete=models.PROTECT, related_name="children")
    first_name = models.CharField(max_length=80)
    last_name = models.CharField(max_length=80)
    class_name = models.CharField("class or year", max_length=40)
    history = HistoricalRecords()

    class Meta:
        ordering = ["last_name", "first_name"]
        verbose_name_plural = "children"

    def __str__(self) -> str:
        return f"{self.first_name} {self.last_name} ({self.class_name})"


class Parent(models.Model):
    """A parent or carer. Everything here is personal data under UK GDPR."""

    school = models.ForeignKey(School, on_delete=models.PROTECT, related_name="parents")
    first_name = models.CharField(max_length=80)
    last_name = models.CharField(max_length=80)
    title = models.CharField(max_length=20, blank=True, help_text="Mr, Ms, Mx, Dr…")
    email = models.EmailField(blank=True)
    phone = models.CharField(max_length=40, blank=True)
    relationship = models.CharField(
        "relationship to their children", max_length=40, blank=True, help_text="Mother, Father, Carer…"
    )
    address = models.TextField(blank=True, help_text="Postal address for letters, one line per line.")
    postcode = models.CharField(max_length=12, blank=True)
    children = models.ManyToManyField(Child, blank=True, related_name="parents")
    history = HistoricalRecords(m2m_fields=[children])

    class Meta:
        ordering = ["last_name", "first_name"]
        indexes = [models.Index(fields=["last_name", "first_name"])]

    def __str__(self) -> str:
        return self.full_name

    @property
    def full_name(self) -> str:
        return f"{self.first_name} {self.last_name}"

    @property
    def salutation(self) -> str:
        return f"{self.title} {self.last_name}" if self.title else self.full_name


class ParentGroup(models.Model):
    """A class or year WhatsApp group or class list. Set up and run by parents, not the school."""

    class Platform(models.TextChoices):
        WHATSAPP = "whatsapp", "WhatsApp group"
        CLASS_LIST = "class_list", "Class list (e-mail)"
        FACEBOOK = "facebook", "Facebook group"
        OTHER = "other", "Other"

    school = models.ForeignKey(School, on_delete=models.PROTECT, related_name="groups")
    name = models.CharField(max_length=120)
    class_name = models.CharField("class or year", max_length=40, blank=True)
    platform = models.CharField(max_length=12, choices=Platform, default=Platform.WHATSAPP)
    moderators = models.ManyToManyField(Parent, blank=True, related_name="moderated_groups")
    note = models.TextField(
        blank=True, default="This group is run by parents. The school does not run it or post in it."
    )
    history = HistoricalRecords()

    class Meta:
        ordering = ["name"]
        verbose_name = "parents' group"

    def __str__(self) -> str:
        return self.name
