# The seed incident as a Terraform root module: a Kinesis-triggered forwarder that retries a
# partner API forever and swallows errors. Run `lambda-lint examples/seed-incident-terraform`.

terraform {
  required_providers {
    aws = {
      source  = "hashicorp/aws"
      version = "~> 5.0"
    }
  }
}

variable "name" {
  type    = string
  default = "forwarder"
}

resource "aws_kinesis_stream" "events" {
  name             = "${var.name}-events"
  shard_count      = 1
  retention_period = 168
}

data "archive_file" "forwarder" {
  type        = "zip"
  source_dir  = "${path.module}/src"
  output_path = "${path.module}/build/forwarder.zip"
}

resource "aws_lambda_function" "forwarder" {
  function_name    = var.name
  role             = aws_iam_role.forwarder.arn
  filename         = data.archive_file.forwarder.output_path
  source_code_hash = data.archive_file.forwarder.output_base64sha256
  handler          = "app.handler"
  runtime          = "python3.12"
  timeout          = 900
  memory_size      = 256

  environment {
    variables = {
      PARTNER_URL = "https://partner.example.com/ingest"
    }
  }
}

resource "aws_lambda_event_source_mapping" "stream" {
  event_source_arn  = aws_kinesis_stream.events.arn
  function_name     = aws_lambda_function.forwarder.arn
  starting_position = "LATEST"
  batch_size        = 100
}
