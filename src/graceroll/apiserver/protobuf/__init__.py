"""Protocol Buffers as Kubernetes clients send them, without generated code.

``wire`` reads and writes the wire format; ``schema`` holds the upstream field numbers of the
messages kubectl's typed clients send (``k8s.io/api`` ``generated.proto``); ``decode`` turns a
``application/vnd.kubernetes.protobuf`` request body into the object's JSON form.
"""
