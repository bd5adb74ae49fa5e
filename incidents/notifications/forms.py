"""A person's choice of e-mails: each at once, or one daily digest."""

from django import forms

from incidents.models import User


class NotificationModeForm(forms.Form):
    notification_mode = forms.ChoiceField(
        label="How would you like Casebook's e-mails?", choices=User.NotificationMode.choices,
        widget=forms.RadioSelect,
        help_text="Safeguarding alerts always come at once. Reminders of deadlines follow your choice.",
    )
