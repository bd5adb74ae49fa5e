"""How long do the encrypted PostgreSQL backup and its restore take on a big database?

Issue 23 targets (100,000 cases): backup under 60 s, restore under 5 min, verify_integrity clean after.

Run: .venv/bin/python bench/bench_backup.py
     [--database-url postgres://postgres@127.0.0.1:5432/casebook_bench]
     [--restore-database casebook_bench_restore] [--media-root var/bench-private]
The source database is filled as bench/README.md says. The restore target (default
casebook_bench_restore, on the same server) is dropped and created afresh; the archive and the restored
private files go to a temporary folder that is removed at the end. BACKUP_PASSPHRASE, if unset, is a
bench-only one.
"""

import argparse
import os
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--database-url", default="postgres://postgres@127.0.0.1:5432/casebook_bench")
    parser.add_argument("--restore-database", default="casebook_bench_restore")
    parser.add_argument("--media-root", default=str(ROOT / "var" / "bench-private"))
    options = parser.parse_args()
    os.environ.update(DJANGO_SETTINGS_MODULE="config.settings.dev", DATABASE_URL=options.database_url,
                      MEDIA_ROOT=options.media_root, DEBUG="false")
    os.environ.setdefault("BACKUP_PASSPHRASE", "bench only: not a real backup passphrase")

    import django

    django.setup()
    from django.conf import settings
    from django.db import connection
    from psycopg import sql

    from incidents.models import Case
    from incidents.records import pgbackup

    print(f"load average before: {os.getloadavg()[0]:.2f} {os.getloadavg()[1]:.2f} {os.getloadavg()[2]:.2f}")
    cases = Case.objects.count()
    source = dict(connection.settings_dict)
    target = {**source, "NAME": options.restore_database}
    with pgbackup._connect({**source, "NAME": "postgres"}) as admin:
        size = admin.execute("SELECT pg_database_size(%s)", [source["NAME"]]).fetchone()[0]
        admin.execute(sql.SQL("DROP DATABASE IF EXISTS {} WITH (FORCE)").format(sql.Identifier(target["NAME"])))
        admin.execute(sql.SQL("CREATE DATABASE {}").format(sql.Identifier(target["NAME"])))
    connection.close()
    print(f"source: {source['NAME']}, {cases:,} cases, {size / 1e6:,.0f} MB on disk")

    with tempfile.TemporaryDirectory(prefix="bench-backup-") as work:
        archive = Path(work) / "casebook-pg-bench.tar"
        started = time.monotonic()
        result = pgbackup.database_backup_write(database=source, media_root=Path(settings.MEDIA_ROOT),
                                                destination=archive, passphrase=settings.BACKUP_PASSPHRASE)
        backup_seconds = time.monotonic() - started
        print(f"backup:  {backup_seconds:6.1f} s, {result.size / 1e6:,.1f} MB "
              f"(dump {result.manifest['dump']['bytes'] / 1e6:,.1f} MB, {len(result.manifest['files'])} files)")

        restored_files = Path(work) / "restored-private"
        started = time.monotonic()
        pgbackup.database_backup_restore(source=archive, database=target, media_root=restored_files,
                                         passphrase=settings.BACKUP_PASSPHRASE)
        restore_seconds = time.monotonic() - started
        print(f"restore: {restore_seconds:6.1f} s (unlock, unpack and check every digest, pg_restore, files)")

        url = options.database_url.rsplit("/", 1)[0] + "/" + target["NAME"]
        started = time.monotonic()
        verify = subprocess.run([sys.executable, "manage.py", "verify_integrity"], cwd=ROOT, capture_output=True,
                                text=True, env={**os.environ, "DATABASE_URL": url, "MEDIA_ROOT": str(restored_files)})
        verify_seconds = time.monotonic() - started
        print(f"verify_integrity on the restored database: {verify_seconds:6.1f} s, exit {verify.returncode}")
        print("  " + verify.stdout.strip().replace("\n", "\n  "))
    print(f"load average after: {os.getloadavg()[0]:.2f} {os.getloadavg()[1]:.2f} {os.getloadavg()[2]:.2f}")
    print(f"targets: backup < 60 s {'met' if backup_seconds < 60 else 'MISSED'}; "
          f"restore < 300 s {'met' if restore_seconds < 300 else 'MISSED'}; "
          f"verify_integrity {'clean' if verify.returncode == 0 else 'NOT CLEAN'}")


if __name__ == "__main__":
    main()
