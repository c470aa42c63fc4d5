"""Tests of how the service is deployed: the container recipe, replicas behind a proxy."""
