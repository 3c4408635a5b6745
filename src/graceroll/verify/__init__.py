"""``graceroll verify``: prove a rollout drops no request by driving load through it."""
