"""`order-pipeline`: operate a deployed order pipeline, on AWS or on the local cloud.

Installed with the `cli` extra (Typer, Rich, boto3); the component never imports it.
"""
