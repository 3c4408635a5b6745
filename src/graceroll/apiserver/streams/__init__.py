"""Streaming subresources of pods over WebSocket: ``exec`` and ``attach`` (``remotecommand``) and
``portforward`` (``portforward``, with SPDY tunnelled over WebSocket: ``spdy``)."""
