"""Where generated documents are kept, and the `document` variable that points to them.

A document of a numbered case goes straight into the case's archive, so its digest is recorded the
moment it exists; the reply to an invalid application has no case number (8(1): no case is opened)
and is kept under the process instance key instead.
"""

from __future__ import annotations

import hashlib
from datetime import datetime
from pathlib import Path
from urllib.parse import unquote, urlparse

from workers.archive import CaseArchive, write_atomically
from workers.case_numbering import CaseNumber
from workers.settings import data_dir
from workers.variables import ProcessVariables

PDF = "application/pdf"


class DocumentLocationError(ValueError):
    """A `document` variable points somewhere the workers do not keep documents."""


class StoredDocument(ProcessVariables):
    """The contract's `document` variable: enough to find, attach and verify the file."""

    document_id: str
    document_type: str
    title: str
    file_name: str
    media_type: str = PDF
    sha256: str
    uri: str
    created_at: datetime
    # 发文字号 of the document (workers/case_numbering.py), distinct from the case number.
    document_number: str | None = None

    def path(self) -> Path:
        """The file, which must lie in the data directory.

        The variable comes from the process, which clients can write to; without this check a
        forged `uri` could have the workers mail or archive any file of the machine.
        """
        parsed = urlparse(self.uri)
        if parsed.scheme != "file":
            raise DocumentLocationError(f"文书 {self.document_id} 的地址 {self.uri} 不是本地文件")
        path = Path(unquote(parsed.path)).resolve()
        if not path.is_relative_to(data_dir().resolve()):
            raise DocumentLocationError(
                f"文书 {self.document_id} 的地址 {self.uri} 不在工作目录（EXEMPTION_DATA_DIR）内"
            )
        return path


def store_document(
    root: Path,
    *,
    case_number: str | None,
    process_instance_key: int,
    document_id: str,
    document_type: str,
    title: str,
    content: bytes,
    created_at: datetime,
    document_number: str | None = None,
) -> StoredDocument:
    if case_number:
        archive = CaseArchive(root, CaseNumber.parse(case_number))
        stem = f"{archive.case_number.safe_name}-{document_type}"
        entry = archive.add_document(document_id, stem, ".pdf", content, document_type)
        file_name = entry.file_name
        path = archive.directory / file_name
    else:
        directory = root / "documents" / "unnumbered" / str(process_instance_key)
        directory.mkdir(parents=True, exist_ok=True)
        file_name = f"{document_id}.pdf"
        path = directory / file_name
        write_atomically(path, content)
    return StoredDocument(
        document_id=document_id,
        document_type=document_type,
        title=title,
        file_name=file_name,
        sha256=hashlib.sha256(content).hexdigest(),
        uri=path.resolve().as_uri(),
        created_at=created_at,
        document_number=document_number,
    )
