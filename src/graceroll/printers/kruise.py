"""Columns of the OpenKruise kinds, as the CRDs' ``additionalPrinterColumns`` define them."""

from __future__ import annotations

from graceroll.printers.tables import (
    Table,
    age,
    containers_cell,
    field,
    images_cell,
    name,
    register,
    selector_cell,
)

register(
    "CloneSet",
    Table(
        (
            ("NAME", name),
            ("DESIRED", field("spec", "replicas")),
            ("UPDATED", field("status", "updatedReplicas")),
            ("UPDATED_READY", field("status", "updatedReadyReplicas")),
            ("READY", field("status", "readyReplicas")),
            ("TOTAL", field("status", "replicas")),
            ("AGE", age),
        ),
        (("CONTAINERS", containers_cell), ("IMAGES", images_cell), ("SELECTOR", selector_cell)),
    ),
)
