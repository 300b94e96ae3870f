"""What the tests and the local cloud share; it belongs to neither, and imports neither.

The Pulumi program run in-process under mocks (`program`), the stack files as the CLI
reads them (`stack_files`), resource type tokens, the seed order (`orders`), the Lambda
SQS event builder (`sqs_event`), and the only two modules that use private Pulumi and moto
APIs (`pulumi_internals`, `moto_internals`). Nothing here ships in the wheel or runs on AWS.
"""
