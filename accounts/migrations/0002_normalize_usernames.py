"""Store every username NFKC-normalised, as registration and login now expect.

A name whose normalised form is already taken (in any letter case) is left as it is: it is a look-alike
of another account, which an administrator renames or removes in the admin.
"""

import unicodedata

from django.db import migrations


def normalize_usernames(apps, schema_editor) -> None:
    User = apps.get_model("accounts", "User")
    with schema_editor.connection.cursor() as cursor:
        cursor.execute(
            f"SELECT id, username FROM {User._meta.db_table} WHERE username IS NOT NFKC NORMALIZED ORDER BY id"
        )
        rows = cursor.fetchall()
    for pk, username in rows:
        name = unicodedata.normalize("NFKC", username)
        if not User.objects.filter(username__iexact=name).exclude(pk=pk).exists():
            User.objects.filter(pk=pk).update(username=name)


class Migration(migrations.Migration):
    dependencies = [("accounts", "0001_initial")]

    operations = [migrations.RunPython(normalize_usernames, migrations.RunPython.noop)]
