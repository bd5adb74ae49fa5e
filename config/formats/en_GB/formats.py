"""How the school writes dates and times wherever a person reads one: "4 Dec 2026", "4 Dec 2026, 14:30".
Templates use `|date` (DATE_FORMAT) and `|date:"DATETIME_FORMAT"`; code uses django.utils.formats."""

DATE_FORMAT = "j M Y"
TIME_FORMAT = "H:i"
DATETIME_FORMAT = "j M Y, H:i"
SHORT_DATETIME_FORMAT = "j M Y, H:i"
