"""`/favicon.ico`: browsers ask for it on every site whatever the page links, so it answers with the
icon rather than a 404 in every log. The pages themselves link the SVG and PNG in static/."""

from pathlib import Path

from django.conf import settings
from django.contrib.auth.decorators import login_not_required
from django.http import FileResponse, HttpRequest
from django.views.decorators.cache import cache_control
from django.views.decorators.http import require_GET

ICON = Path(settings.BASE_DIR) / "static" / "favicon.ico"


@require_GET
@login_not_required
@cache_control(max_age=86400, public=True)
def favicon(request: HttpRequest) -> FileResponse:
    return FileResponse(ICON.open("rb"), content_type="image/vnd.microsoft.icon")
