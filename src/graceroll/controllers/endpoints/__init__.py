"""Which pods a Service sends traffic to: EndpointSlices and Endpoints, and the Service's address.

- ``addresses``  the Service's loopback cluster IP and node ports (pure allocation)
- ``plan``       Service + pods → desired EndpointSlices and Endpoints, and the writes (pure)
- ``controller`` reads the store, writes only what differs
"""
