"""Reading the links of the account emails, and making tokens as they would have been made at another time."""

import re
from urllib.parse import parse_qs, urlsplit

from django.core.mail import EmailMultiAlternatives

from accounts.account_tokens import uid_encode
from accounts.models import User

LINK = re.compile(r"https?://\S+\?uid=[\w-]+&token=[\w-]+")


def link_of(message: EmailMultiAlternatives) -> str:
    """The one link in the plain-text body, checked to be in the HTML alternative too."""
    (link,) = LINK.findall(message.body)
    (html, _), *_ = message.alternatives
    assert f'href="{link.replace("&", "&amp;")}"' in html
    return link


def link_params(message: EmailMultiAlternatives) -> dict[str, str]:
    """`{uid, token}` from the email's link."""
    query = parse_qs(urlsplit(link_of(message)).query)
    return {"uid": query["uid"][0], "token": query["token"][0]}


def params_made_at(user: User, generator, *, seconds_ago: int) -> dict[str, str]:
    """`{uid, token}` of a link made `seconds_ago` seconds ago (the generator's own clock, moved back)."""
    timestamp = generator._num_seconds(generator._now()) - seconds_ago
    return {
        "uid": uid_encode(user=user),
        "token": generator._make_token_with_timestamp(user, timestamp, generator.secret),
    }
