import io
import json

import pytest
from rest_framework.exceptions import ParseError

from duka_app.api.parsers import MAX_DEPTH, JSONParser


def parse(text: str):
    return JSONParser().parse(io.BytesIO(text.encode()))


def nested(levels: int, inner: str = "1") -> str:
    return "[" * levels + inner + "]" * levels


@pytest.mark.parametrize(
    "text",
    [nested(MAX_DEPTH), '{"a": ' + nested(MAX_DEPTH - 1) + "}", '[{"a": [{"b": 1}], "c": {}}, 2, "[[[["]', '"[["', "7"],
)
def test_documents_up_to_the_depth_limit_parse(text):
    assert parse(text) == json.loads(text)


@pytest.mark.parametrize(
    "text",
    [
        nested(MAX_DEPTH + 1),
        '{"a": ' + nested(MAX_DEPTH) + "}",
        "[1, 2, " + nested(MAX_DEPTH) + "]",
        nested(5000),
        "[" * 100_000,
        '{"a":' * 100_000,
    ],
    ids=["one-too-deep", "one-too-deep-in-an-object", "deep-last-item", "5000-levels", "100k-arrays", "100k-objects"],
)
def test_deeper_documents_are_a_parse_error(text):
    with pytest.raises(ParseError, match=f"nested deeper than {MAX_DEPTH} levels"):
        parse(text)
