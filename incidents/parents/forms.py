"""The parent's forms: plain words, one thing each, no JavaScript needed."""

import secrets

from django import forms

from incidents.inputs import MultipleFileField

MAX_FILES = 5


class ParentForm(forms.Form):
    """Bootstrap's look on every input, without the staff side's form helpers."""

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        for field in self.fields.values():
            if not field.widget.is_hidden:
                field.widget.attrs["class"] = (field.widget.attrs.get("class", "") + " form-control").strip()


class OnceForm(ParentForm):
    """Carries a random token so a double press or a resent form is acted on once."""

    once = forms.CharField(widget=forms.HiddenInput, required=False)

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        if not self.is_bound:
            self.initial["once"] = secrets.token_urlsafe(18)


class CodeForm(ParentForm):
    code = forms.CharField(
        label="Code", max_length=6, min_length=6,
        help_text="The 6 numbers in the e-mail we sent you.",
        widget=forms.TextInput(attrs={"autocomplete": "one-time-code", "inputmode": "numeric",
                                      "pattern": "[0-9]{6}", "spellcheck": "false",
                                      "class": "narrow"}),
        error_messages={"required": "Enter the code from the e-mail.",
                        "min_length": "The code is 6 numbers.", "max_length": "The code is 6 numbers."},
    )

    def clean_code(self) -> str:
        code = self.cleaned_data["code"].strip()
        if not code.isdigit():
            raise forms.ValidationError("The code is 6 numbers.")
        return code


class RepresentationsForm(OnceForm):
    text = forms.CharField(
        label="What you want to tell us", required=False, max_length=20000,
        help_text="Say why you think the ban should not go ahead, or should be different.",
        widget=forms.Textarea(attrs={"rows": 8}),
    )
    # Declared fields go to base_fields, so this doesn't replace the form's own `files`; the stubs can't tell.
    files = MultipleFileField(  # type: ignore[assignment]
        label="Add photos or documents (optional)", required=False,
        help_text=f"Up to {MAX_FILES} files: photos (PNG, JPEG, HEIC), PDF, Word or text files.",
    )

    def clean(self):
        data = super().clean()
        if not (data.get("text") or "").strip() and not data.get("files"):
            raise forms.ValidationError("Write what you want to tell us, or add a file.")
        if len(data.get("files") or []) > MAX_FILES:
            raise forms.ValidationError(f"You can add up to {MAX_FILES} files at a time.")
        return data


class MeetingForm(OnceForm):
    message = forms.CharField(
        label="When could you come in? (optional)", required=False, max_length=2000,
        help_text="For example: weekday mornings after 9:30.",
        widget=forms.Textarea(attrs={"rows": 3}),
    )
