"""Which storage holds the uploaded files: a folder or an object store, named by an address.

`storage_for(settings)` is the app's (`UPLOAD_STORAGE` when set, else the folder `UPLOAD_DIR`);
`open_storage(url)` any other (`hackcity migrate-uploads --from/--to`). The S3 client is imported
only when an object store is used. The backends themselves: `events/storage.py` (the protocol and
the folder) and `events/storage_s3.py`.
"""

from __future__ import annotations

from events.storage import LocalStorage, S3Location, Storage, parse_storage_url


def open_storage(url: str) -> Storage:
    """The storage an address names (see `parse_storage_url`)."""
    where = parse_storage_url(url)
    if isinstance(where, S3Location):
        from events.storage_s3 import S3Storage  # the S3 client is imported only when it is used

        return S3Storage(where)
    return LocalStorage(where)


def storage_for(settings) -> Storage:
    """The storage the app uses: `UPLOAD_STORAGE` when it is set, else the folder `UPLOAD_DIR`. The
    app keeps one (`app.state.storage`) and closes it when it stops; a command closes its own."""
    if settings.upload_storage:
        return open_storage(settings.upload_storage)
    return LocalStorage(settings.upload_dir)
