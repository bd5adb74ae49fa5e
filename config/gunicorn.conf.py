"""gunicorn's settings for production: `gunicorn -c config/gunicorn.conf.py config.wsgi`.

Access and error logs go to standard output (systemd's journal). Each access line ends with the
request id that Casebook's own log lines for that request carry (config/logs.py).
"""

import os

bind = os.environ.get("GUNICORN_BIND", "127.0.0.1:8000")
workers = int(os.environ.get("GUNICORN_WORKERS", "2"))
# Longer than the slowest page (a termly PDF report), shorter than a person's patience.
timeout = int(os.environ.get("GUNICORN_TIMEOUT", "60"))
graceful_timeout = 30
# The proxy on this machine sets X-Forwarded-Proto; gunicorn trusts it only from there.
forwarded_allow_ips = os.environ.get("GUNICORN_FORWARDED_ALLOW_IPS", "127.0.0.1,::1")

accesslog = "-"
errorlog = "-"
loglevel = os.environ.get("LOG_LEVEL", "info").lower()
# time, client, method, path, status, bytes, duration in ms, user agent, request id. The path without
# its query string: a search for a parent's name does not belong in a log.
access_log_format = '%(t)s access %(h)s "%(m)s %(U)s" %(s)s %(B)s %(M)sms "%(a)s" request_id=%({x-request-id}o)s'

# No runtime control socket: nothing here uses it, and systemd's ProtectSystem leaves no writable home for it.
control_socket_disable = True
