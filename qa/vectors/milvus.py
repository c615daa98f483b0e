"""Milvus as kutip's vector store: Milvus Lite in this process for ``milvus:<folder>``, a server or cluster
for ``milvus:<URI>`` (see ``qa.vectors`` for how a collection is kept in line with the index folder)."""

from __future__ import annotations

import hashlib
import logging
from contextlib import contextmanager
from pathlib import Path
from typing import Any, Callable, Iterator, Mapping, Sequence

import numpy as np

from qa.vectors.base import (HNSW_EF_CONSTRUCTION, HNSW_EF_SEARCH, HNSW_M, PassageRow, RowVectors, StoreSpec,
                             StoreSync, VectorStoreError)

log = logging.getLogger(__name__)

# Milvus fixes nlist when the collection is made, before the size is known (FAISS sizes it per build);
# nprobe keeps FAISS's share of cells (1/16).
MILVUS_IVF_NLIST, MILVUS_IVF_NPROBE = 1024, 64
MILVUS_INDEX_TYPES = {"flat": "FLAT", "hnsw": "HNSW", "ivf": "IVF_FLAT"}
MILVUS_BATCH = 2000  # rows per insert or delete request: ~3 MB of 384-dim vectors, far under gRPC limits
MILVUS_CONNECT_TIMEOUT = 10.0  # seconds
ID_MAX_BYTES = 1024  # passage ids are "<file stem>#<n>"; file names are at most 255 bytes

MARKER, EMBEDDER, DIMENSION, INDEX_TYPE = "kutip.version", "kutip.embedder", "kutip.dimension", "kutip.index_type"


def collection_name(index_dir: Path) -> str:
    digest = hashlib.sha256(str(Path(index_dir).resolve()).encode("utf-8")).hexdigest()
    return f"kutip_{digest[:16]}"


class _NoSessionTimestampWarning(logging.Filter):
    """Milvus Lite sends no session timestamp to query iterators, and pymilvus warns on every iterator;
    the fallback (a client-side timestamp) is what we want anyway."""

    def filter(self, record: logging.LogRecord) -> bool:
        return "mvccTs" not in record.getMessage()


logging.getLogger("pymilvus.client.iterator.query_iterator").addFilter(_NoSessionTimestampWarning())


class MilvusStore:
    """One Milvus collection holding the vectors of one index folder (see the module docstring)."""

    def __init__(self, spec: StoreSpec, collection: str, index_dir: Path | None = None, token: str = "") -> None:
        from pymilvus import MilvusClient

        self.spec = spec
        self.collection = collection
        self.index_dir = index_dir
        self.where = f"Milvus Lite at {spec.target}" if spec.is_lite else f"the Milvus server at {spec.target}"
        self.description = f"milvus collection {collection} ({self.where})"
        self._rows: dict[str, int] = {}  # passage id -> row of the synced version
        self._index_kind = "flat"
        uri = _start_lite(Path(spec.target)) if spec.is_lite else spec.target
        try:
            self.client = MilvusClient(uri=uri, token=token, timeout=MILVUS_CONNECT_TIMEOUT)
        except Exception as exc:  # pymilvus raises MilvusException, and grpc or socket errors at times
            check = ("check that it is running and listening there (a local one: milvus-lite server "
                     "--data-dir DIR --host 127.0.0.1 --port PORT), or use faiss or milvus:<folder>")
            raise VectorStoreError(f"cannot connect to {self.where}: {_reason(exc)}; {check}") from None

    @contextmanager
    def _calling(self, doing: str) -> Iterator[None]:
        import grpc
        from pymilvus.exceptions import MilvusException

        try:
            yield
        except (MilvusException, grpc.RpcError, OSError) as exc:
            raise VectorStoreError(f"{self.where} failed while {doing} (collection {self.collection}): "
                                   f"{_reason(exc)}; check that it is still running and reachable") from None

    def sync(self, version: Path, manifest: Mapping[str, Any], passages: Sequence[PassageRow],
             vectors: RowVectors, reset: bool = False,
             progress: Callable[[int, int], None] | None = None) -> StoreSync:
        self._rows = {p.id: row for row, p in enumerate(passages)}
        self._index_kind = str(manifest["index_kind"])
        wanted = {EMBEDDER: str(manifest["embedder"]), DIMENSION: str(manifest["dimension"]),
                  INDEX_TYPE: MILVUS_INDEX_TYPES[self._index_kind]}
        marker = Path(version).name
        name = self.collection
        rebuilt: str | None = None
        held: dict[str, str] = {}
        with self._calling("opening the collection"):
            exists = self.client.has_collection(name)
            if exists:
                held = self.client.describe_collection(name).get("properties", {})
                differs = {k: (held.get(k), v) for k, v in wanted.items() if held.get(k) != v}
                if reset:
                    rebuilt = "a rebuild was asked for"
                elif differs:
                    rebuilt = "built with " + ", ".join(f"{k.split('.')[1]} {old!r}, now {new!r}"
                                                        for k, (old, new) in differs.items())
                if rebuilt:
                    log.info("dropping %s: %s", name, rebuilt)
                    self.client.drop_collection(name)
            existing: dict[str, str] = {}
            repeated: set[str] = set()
            if not exists or rebuilt:
                self._create(int(manifest["dimension"]), wanted)
            else:
                self.client.load_collection(name)  # a no-op when loaded; a server may have released it
                if held.get(MARKER) == marker and self.count() == len(passages):
                    return StoreSync(self.description)
                existing, repeated = self._held_rows()

        # an id held twice (two processes syncing one server at once) is deleted, then inserted once
        wanted_sha = {p.id: p.sha256 for p in passages}
        stale = [pid for pid, sha in existing.items() if pid in repeated or wanted_sha.get(pid) != sha]
        new = [row for row, p in enumerate(passages) if p.id in repeated or existing.get(p.id) != p.sha256]
        total = len(stale) + len(new)
        with self._calling("deleting rows"):
            for start in range(0, len(stale), MILVUS_BATCH):
                self.client.delete(name, ids=stale[start : start + MILVUS_BATCH])
                if progress:
                    progress(min(start + MILVUS_BATCH, len(stale)), total)
        with self._calling("inserting rows"):
            for start in range(0, len(new), MILVUS_BATCH):
                self.client.insert(name, [
                    {"id": passages[row].id, "article": passages[row].article, "sha256": passages[row].sha256,
                     "vector": np.asarray(vectors[row], dtype=np.float32)}
                    for row in new[start : start + MILVUS_BATCH]])
                if progress:
                    progress(len(stale) + min(start + MILVUS_BATCH, len(new)), total)
        with self._calling("recording the index version"):
            self.client.alter_collection_properties(name, properties={MARKER: marker})  # last: the commit
        done = StoreSync(self.description, inserted=len(new), deleted=len(stale), rebuilt_because=rebuilt)
        log.info("%s", done.summary())
        return done

    def _create(self, dimension: int, properties: dict[str, str]) -> None:
        from pymilvus import DataType, MilvusClient

        schema = MilvusClient.create_schema(auto_id=False, enable_dynamic_field=False,
                                            description=f"kutip passages of {self.index_dir}")
        schema.add_field("id", DataType.VARCHAR, is_primary=True, max_length=ID_MAX_BYTES)
        schema.add_field("article", DataType.VARCHAR, max_length=ID_MAX_BYTES)
        schema.add_field("sha256", DataType.VARCHAR, max_length=64)
        schema.add_field("vector", DataType.FLOAT_VECTOR, dim=dimension)
        index_type = MILVUS_INDEX_TYPES[self._index_kind]
        build = {"HNSW": {"M": HNSW_M, "efConstruction": HNSW_EF_CONSTRUCTION},
                 "IVF_FLAT": {"nlist": MILVUS_IVF_NLIST}}.get(index_type, {})
        index_params = self.client.prepare_index_params()
        index_params.add_index(field_name="vector", index_type=index_type, metric_type="IP", params=build)
        self.client.create_collection(self.collection, schema=schema, consistency_level="Strong",
                                      properties={**properties, MARKER: ""})
        # sync=False: the index of an empty collection is ready at once, and waiting asks for a timestamp
        # that Milvus Lite does not implement (its server then logs an error)
        self.client.create_index(self.collection, index_params, sync=False)
        self.client.load_collection(self.collection)

    def _held_rows(self) -> tuple[dict[str, str], set[str]]:
        """Passage id -> sha256 of every row in the collection, and the ids held more than once."""
        held: dict[str, str] = {}
        repeated: set[str] = set()
        iterator = self.client.query_iterator(self.collection, batch_size=MILVUS_BATCH, filter="",
                                              output_fields=["id", "sha256"])
        try:
            while batch := iterator.next():
                for row in batch:
                    if row["id"] in held:
                        repeated.add(row["id"])
                    held[row["id"]] = row["sha256"]
        finally:
            iterator.close()
        return held, repeated

    def search(self, query_vector: np.ndarray, n: int) -> list[tuple[int, float]]:
        n = min(n, len(self._rows))
        if n <= 0:
            return []
        params: dict[str, Any] = {"metric_type": "IP"}
        if self._index_kind == "hnsw":
            params["params"] = {"ef": max(HNSW_EF_SEARCH, n)}
        elif self._index_kind == "ivf":
            params["params"] = {"nprobe": MILVUS_IVF_NPROBE}
        query = np.asarray(query_vector, dtype=np.float32).reshape(-1)
        with self._calling("searching"):
            hits = self.client.search(self.collection, data=[query], limit=n, anns_field="vector",
                                      output_fields=["id"], search_params=params)[0]
        found: dict[int, float] = {}  # ids of another version are skipped, an id held twice counted once
        for hit in hits:
            row = self._rows.get(hit["id"])
            if row is not None and row not in found:
                found[row] = float(hit["distance"])
        return list(found.items())

    def count(self) -> int:
        with self._calling("counting rows"):
            rows = self.client.query(self.collection, filter="", output_fields=["count(*)"])
        return int(rows[0]["count(*)"]) if rows else 0

    def close(self) -> None:
        try:
            self.client.close()
        except Exception as exc:  # closing a connection to a server that went away is not an error
            log.debug("closing the Milvus client: %s", exc)


def _reason(exc: BaseException) -> str:
    return str(getattr(exc, "message", "") or exc).strip() or type(exc).__name__


def _start_lite(folder: Path) -> str:
    """The local gRPC address of Milvus Lite serving ``folder`` inside this process (started once)."""
    from milvus_lite import server_manager_instance

    if folder.exists() and not folder.is_dir():
        raise VectorStoreError(f"{folder} is a file; Milvus Lite keeps its data in a folder (a single-file "
                               "database of milvus-lite 2.x cannot be opened): choose another path")
    try:
        folder.parent.mkdir(parents=True, exist_ok=True)
    except OSError as exc:
        raise VectorStoreError(f"cannot make the folder for Milvus Lite at {folder}: {exc.strerror}") from None
    manager_log = logging.getLogger("milvus_lite.server_manager")
    was_disabled = manager_log.disabled
    manager_log.disabled = True  # it logs a failure as a traceback; the error below says it plainly
    try:
        uri = server_manager_instance.start_and_get_uri(str(folder))
    finally:
        manager_log.disabled = was_disabled
    if uri is None:
        raise VectorStoreError(
            f"cannot open Milvus Lite at {folder}: another process (the app, another python -m qa) may be "
            "using it, as Milvus Lite lets one process at a time open a folder, or it is not writable. Stop "
            f"the other process, or serve the folder with: milvus-lite server --data-dir {folder} --host "
            "127.0.0.1 --port 19530, and use milvus:http://127.0.0.1:19530 from every process")
    return uri
