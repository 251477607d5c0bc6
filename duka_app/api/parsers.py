"""DRF's JSON parser, safe against deeply nested documents.

Python's `json` decodes arrays and objects recursively: a body of a few thousand `[` raises
`RecursionError`, which DRF's parser does not catch (a 500). A document that still decodes, a few hundred
levels deep, is a hazard further on (`repr`, copying, validation all recurse), so nesting is capped far
below anything the API takes.
"""

from rest_framework import parsers
from rest_framework.exceptions import ParseError

# The deepest body the API takes is a few levels; this leaves room without nearing Python's recursion limit.
MAX_DEPTH = 32


class JSONParser(parsers.JSONParser):
    def parse(self, stream, media_type=None, parser_context=None):
        try:
            data = super().parse(stream, media_type, parser_context)
        except RecursionError as error:
            raise ParseError(f"JSON parse error - nested deeper than {MAX_DEPTH} levels.") from error
        if _nested_deeper_than(data, MAX_DEPTH):
            raise ParseError(f"JSON parse error - nested deeper than {MAX_DEPTH} levels.")
        return data


def _nested_deeper_than(data, limit: int) -> bool:
    """Whether arrays and objects nest more than `limit` levels; iterative, so it cannot recurse itself."""
    pending = [(data, 1)] if isinstance(data, (dict, list)) else []
    while pending:
        container, depth = pending.pop()
        if depth > limit:
            return True
        items = container.values() if isinstance(container, dict) else container
        pending.extend((item, depth + 1) for item in items if isinstance(item, (dict, list)))
    return False
