"""The desk: officers' task inbox and managers' dashboards, served to the browser.

It talks only to the Camunda 8.8 /v2 REST API, so it runs against the embedded engine or a cluster.
"""
