from django import forms

from incidents.evidence import uploads
from incidents.people.reading import UnreadableFile, decode, read_people_csv
from policies.models import School


class PeopleImportForm(forms.Form):
    """The CSV goes through the evidence upload checks (size limit, type judged by content: plain text
    only), then must read as a people CSV; `cleaned_data["text"]` is what the import will read."""

    file = forms.FileField(label="CSV file", help_text="Exported from SIMS, Arbor or Bromcom as 'CSV UTF-8'.")

    def __init__(self, *args, school: School, **kwargs):
        super().__init__(*args, **kwargs)
        self.school = school

    def clean_file(self):
        upload = self.cleaned_data["file"]
        limit = self.school.evidence_max_mb * 1024 * 1024
        if upload.size > limit:
            raise forms.ValidationError(
                f"The file is {upload.size / 1024 / 1024:.1f} MB; the limit is {self.school.evidence_max_mb} MB.")
        data = upload.read()
        try:
            # The import's own reading first: it says plainly why a workbook or a non-UTF-8 export fails.
            decode(data)
        except UnreadableFile as error:
            raise forms.ValidationError(str(error)) from None
        try:
            uploads.check_file_name(upload.name)
            kind = uploads.identify(data)
        except forms.ValidationError as error:
            raise forms.ValidationError(error.messages) from None
        if kind.content_type != "text/plain":
            raise forms.ValidationError(f"This is a {kind.label}, not a CSV file: save the export as 'CSV UTF-8'.")
        try:
            read_people_csv(data)
        except UnreadableFile as error:
            raise forms.ValidationError(str(error)) from None
        self.cleaned_data["text"] = data.decode("utf-8-sig")
        return upload
