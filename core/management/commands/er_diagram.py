from pathlib import Path

from django.conf import settings
from django.core.management.base import BaseCommand

from duka_app.ops.er_diagram import er_diagram_render


class Command(BaseCommand):
    help = "Write ER.html: one self-contained diagram of the models of accounts, store, payments and core."

    def add_arguments(self, parser):
        parser.add_argument("--output", type=Path, default=settings.BASE_DIR / "ER.html", help="default: ER.html")

    def handle(self, *args, output: Path, **options):
        output.write_text(er_diagram_render(), encoding="utf-8")
        self.stdout.write(f"Wrote {output}")
