"""DRF's JSON renderer on orjson: the same bytes for everything the API answers, several times faster."""

import orjson
from rest_framework.renderers import JSONRenderer
from rest_framework.utils.encoders import JSONEncoder

# Dates, times and dataclasses go through DRF's encoder too, so they are written exactly as DRF writes them.
OPTIONS = orjson.OPT_NON_STR_KEYS | orjson.OPT_PASSTHROUGH_DATETIME | orjson.OPT_PASSTHROUGH_DATACLASS
LINE_SEPARATOR, PARAGRAPH_SEPARATOR = "\u2028".encode(), "\u2029".encode()


class OrjsonRenderer(JSONRenderer):
    """Compact UTF-8 JSON like DRF's JSONRenderer (same media type and format), through orjson.

    Whatever orjson does not know (decimals, lazy strings, dates, IP addresses ...) goes to DRF's own
    encoder. Indented output (`Accept: application/json; indent=4`, the browsable API) and what orjson
    refuses (integers beyond 64 bits) are left to DRF's renderer.
    """

    _encoder = JSONEncoder()

    def render(self, data, accepted_media_type=None, renderer_context=None):
        if data is None:
            return b""
        if self.get_indent(accepted_media_type, renderer_context or {}) is not None:
            return super().render(data, accepted_media_type, renderer_context)
        try:
            content = orjson.dumps(data, default=self._encoder.default, option=OPTIONS)
        except orjson.JSONEncodeError:
            return super().render(data, accepted_media_type, renderer_context)
        # As DRF does: escaped, so the JSON is also valid JavaScript.
        if LINE_SEPARATOR in content or PARAGRAPH_SEPARATOR in content:
            content = content.replace(LINE_SEPARATOR, b"\\u2028").replace(PARAGRAPH_SEPARATOR, b"\\u2029")
        return content
