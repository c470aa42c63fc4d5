"""Webhooks: endpoints admins register, signed deliveries (Standard Webhooks) and the worker
that sends them off the request path, with retries (issue 18)."""
