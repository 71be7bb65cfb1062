"""A local S3-compatible server for the tests: moto's server mode, real HTTP on 127.0.0.1.

It runs in a process of its own (`python -m moto.server`), as a real store would: the objects it
keeps are not in the test process's memory, which a memory test measures.
`tests/conftest.py` starts one per test process (`s3_server`) the first time a test asks for it;
each test makes its own bucket (`s3_bucket`), so tests never see each other's objects. The helpers
here read the bucket with a plain synchronous client, independently of the code under test.
"""

from __future__ import annotations

import socket
import subprocess
import sys
import time
import uuid
from dataclasses import dataclass

import boto3
from botocore.config import Config

REGION = "us-east-1"
CREDENTIALS = {
    "AWS_ACCESS_KEY_ID": "hackcity-test",
    "AWS_SECRET_ACCESS_KEY": "hackcity-test-secret",
    "AWS_DEFAULT_REGION": REGION,
    # Never ask a cloud's metadata address for credentials, nor read a developer's own AWS files.
    "AWS_EC2_METADATA_DISABLED": "true",
    "AWS_CONFIG_FILE": "/nonexistent/hackcity-test-aws-config",
    "AWS_SHARED_CREDENTIALS_FILE": "/nonexistent/hackcity-test-aws-credentials",
}


class S3Server:
    def __init__(self, port: int) -> None:
        self.port = port
        self.endpoint = f"http://127.0.0.1:{port}"
        self._process = subprocess.Popen(
            [sys.executable, "-m", "moto.server", "-H", "127.0.0.1", "-p", str(port)],
            stdout=subprocess.DEVNULL,  # a line per request
            stderr=subprocess.DEVNULL,
        )
        deadline = time.monotonic() + 30
        while True:
            if self._process.poll() is not None:
                raise RuntimeError(f"the local S3 server stopped at start (exit {self._process.returncode})")
            try:
                socket.create_connection(("127.0.0.1", port), timeout=1).close()
                break
            except OSError:
                if time.monotonic() > deadline:
                    self._process.kill()
                    raise RuntimeError("the local S3 server did not start within 30 s") from None
                time.sleep(0.05)
        self.client = boto3.client(
            "s3",
            endpoint_url=self.endpoint,
            region_name=REGION,
            aws_access_key_id=CREDENTIALS["AWS_ACCESS_KEY_ID"],
            aws_secret_access_key=CREDENTIALS["AWS_SECRET_ACCESS_KEY"],
            config=Config(s3={"addressing_style": "path"}),
        )

    def stop(self) -> None:
        self.client.close()
        self._process.terminate()
        try:
            self._process.wait(timeout=10)
        except subprocess.TimeoutExpired:
            self._process.kill()
            self._process.wait()

    def new_bucket(self) -> Bucket:
        name = "hackcity-" + uuid.uuid4().hex[:16]
        self.client.create_bucket(Bucket=name)
        return Bucket(self, name)


@dataclass
class Bucket:
    server: S3Server
    name: str

    def url(self, path: str = "", **options: str) -> str:
        """The `UPLOAD_STORAGE` address of this bucket on the local server."""
        query = "&".join(
            f"{k}={v}" for k, v in {"endpoint": self.server.endpoint, "region": REGION, **options}.items()
        )
        return f"s3://{self.name}{path}?{query}"

    def keys(self, prefix: str = "") -> list[str]:
        pages = self.server.client.get_paginator("list_objects_v2").paginate(Bucket=self.name, Prefix=prefix)
        return sorted(item["Key"] for page in pages for item in page.get("Contents", []))

    def uploads(self) -> list[str]:
        """Keys of the multipart uploads still in progress (neither completed nor aborted)."""
        found = self.server.client.list_multipart_uploads(Bucket=self.name)
        return sorted(item["Key"] for item in found.get("Uploads", []))

    def read(self, key: str) -> bytes:
        return self.server.client.get_object(Bucket=self.name, Key=key)["Body"].read()

    def put(self, key: str, data: bytes) -> None:
        self.server.client.put_object(Bucket=self.name, Key=key, Body=data)

    def delete(self, key: str) -> None:
        self.server.client.delete_object(Bucket=self.name, Key=key)

    def head(self, key: str) -> dict:
        return self.server.client.head_object(Bucket=self.name, Key=key)
