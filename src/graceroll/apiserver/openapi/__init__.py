"""OpenAPI v2 and v3 documents of the served kinds, generated from the kind registry and the kinds'
own models (``schemas``, ``documents``; v2 also as gnostic protobuf, ``gnostic``), served by ``serve``."""
