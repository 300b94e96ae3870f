"""A program whose queue sets a property the local cloud does not apply (fifoQueue)."""

import pulumi_aws as aws

aws.sqs.Queue("orders", fifo_queue=True)
