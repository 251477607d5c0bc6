"""Submit Django admin forms as a browser does: every field of the rendered form, with its rendered value.

Hidden inputs included (the admin's management form, the hidden initial values of `show_hidden_initial`
fields), unchecked checkboxes left out, a select's selected option (or its first), a textarea's text.
"""

from html.parser import HTMLParser

from django.test import Client

SKIPPED_INPUT_TYPES = {"submit", "button", "reset", "file", "image"}


class _FormFields(HTMLParser):
    def __init__(self, form_id: str) -> None:
        super().__init__(convert_charrefs=True)
        self.form_id = form_id
        self.inside = False
        self.fields: dict[str, str] = {}
        self._select: str | None = None
        self._select_first: str | None = None
        self._textarea: str | None = None

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        attributes = dict(attrs)
        if tag == "form":
            self.inside = attributes.get("id") == self.form_id
        if not self.inside:
            return
        name = attributes.get("name")
        if tag == "input" and name and attributes.get("type", "text") not in SKIPPED_INPUT_TYPES:
            if attributes.get("type") in {"checkbox", "radio"}:
                if "checked" in attributes:
                    self.fields[name] = attributes.get("value") or "on"
            else:
                self.fields[name] = attributes.get("value") or ""
        elif tag == "select" and name:
            self._select, self._select_first = name, None
        elif tag == "option" and self._select:
            value = attributes.get("value") or ""
            if self._select_first is None:
                self._select_first = value
            if "selected" in attributes:
                self.fields[self._select] = value
        elif tag == "textarea" and name:
            self._textarea = name
            self.fields[name] = ""

    def handle_data(self, data: str) -> None:
        if self._textarea:
            self.fields[self._textarea] += data

    def handle_endtag(self, tag: str) -> None:
        if tag == "form":
            self.inside = False
        elif tag == "select" and self._select:
            self.fields.setdefault(self._select, self._select_first or "")
            self._select = None
        elif tag == "textarea" and self._textarea:
            # Browsers drop the newline that follows <textarea>, which Django writes before the text.
            self.fields[self._textarea] = self.fields[self._textarea].removeprefix("\n")
            self._textarea = None


def admin_form(client: Client, url: str, form_id: str) -> dict[str, str]:
    """The fields a browser would submit from the form `form_id` of the admin page at `url`."""
    response = client.get(url)
    assert response.status_code == 200
    parser = _FormFields(form_id)
    parser.feed(response.content.decode())
    assert parser.fields, f"no form #{form_id} on {url}"
    return parser.fields


def list_row(fields: dict[str, str], pk: int) -> str:
    """The formset prefix (`form-3`) of the changelist row editing the object `pk`."""
    return next(name.removesuffix("-id") for name, value in fields.items() if name.endswith("-id") and value == str(pk))
